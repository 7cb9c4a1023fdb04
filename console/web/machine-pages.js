// @ts-check
/**
 * A state machine's pages: its executions (filtered by status, searched by name, 25 a page,
 * refreshed while open) with its definition drawn, and Start execution (an input editor
 * prefilled with the schema's examples, checked before it is sent).
 */
import { ApiError, executionHref, get, machineHref, post, sfn } from './api.js';
import { h, replace } from './dom.js';
import { count, duration, time } from './format.js';
import { drawGraph, layoutDefinition } from './graph.js';
import { crumbs, errorBanner, every, pager, statusBadge } from './page.js';

/** @typedef {import('./page.js').Machine} Machine */
/** @typedef {import('./page.js').View} View */

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * The executions of a machine.
 * @param {HTMLElement} root
 * @param {Machine} machine
 * @param {URLSearchParams} params
 * @returns {View}
 */
export function machinePage(root, machine, params) {
  crumbs([['State machines', '#/'], [machine.name]]);
  const filter = {
    status: params.get('status') ?? '',
    name: params.get('name') ?? '',
    page: Number(params.get('page') ?? 1),
  };
  const statusSelect = h(
    'select',
    {
      'aria-label': 'Status',
      onchange: () => {
        filter.status = statusSelect.value;
        filter.page = 1;
        void refresh();
      },
    },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map((s) => h('option', { value: s, selected: s === filter.status }, s)),
  );
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typing;
  const search = h('input', {
    type: 'search',
    placeholder: 'Search by name',
    'aria-label': 'Search executions by name',
    value: filter.name,
    oninput: () => {
      clearTimeout(typing);
      typing = setTimeout(() => {
        filter.name = search.value;
        filter.page = 1;
        void refresh();
      }, 250);
    },
  });
  const rows = h('tbody');
  const paging = h('div');
  const problem = h('div');
  const definition = h(
    'div',
    { class: 'graph-scroll' },
    h('p', { class: 'muted' }, 'Loading the definition…'),
  );

  replace(
    root,
    h('h1', {}, machine.name),
    h(
      'div',
      { class: 'row actions' },
      h('span', { class: 'muted mono' }, machine.arn),
      h('span', { class: 'spacer' }),
      h('a', { class: 'button primary', href: `${machineHref(machine.name)}/start` }, 'Start execution'),
    ),
    problem,
    h(
      'div',
      { class: 'panel' },
      h(
        'div',
        { class: 'row' },
        h('h2', {}, 'Executions'),
        h('span', { class: 'spacer' }),
        statusSelect,
        search,
      ),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Name'),
            h('th', {}, 'Status'),
            h('th', {}, 'Started'),
            h('th', {}, 'Ended'),
            h('th', { class: 'num' }, 'Duration'),
          ),
        ),
        rows,
      ),
      paging,
    ),
    h('div', { class: 'panel' }, h('h2', {}, 'Definition'), definition),
  );

  sfn('DescribeStateMachine', { stateMachineArn: machine.arn }).then(
    (out) => replace(definition, drawGraph(layoutDefinition(JSON.parse(out.definition)), () => {}).element),
    (error) => replace(definition, errorBanner(error)),
  );

  const refresh = async () => {
    try {
      const list = await get('executions', { stateMachineArn: machine.arn, ...filter });
      filter.page = list.page;
      replace(problem);
      replace(
        rows,
        list.items.length === 0
          ? h(
              'tr',
              {},
              h(
                'td',
                { colspan: 5, class: 'muted' },
                filter.status || filter.name ? 'No execution matches.' : 'No executions yet.',
              ),
            )
          : list.items.map((/** @type {any} */ e) =>
              h(
                'tr',
                {},
                h('td', { class: 'name-cell' }, h('a', { href: executionHref(e.executionArn) }, e.name)),
                h('td', {}, statusBadge(e.status)),
                h('td', {}, time(e.startDate)),
                h('td', {}, time(e.stopDate)),
                h('td', { class: 'num' }, duration((e.stopDate ?? Date.now()) - e.startDate)),
              ),
            ),
      );
      for (const option of statusSelect.options) {
        if (option.value) option.textContent = `${option.value} (${count(list.counts[option.value] ?? 0)})`;
      }
      replace(
        paging,
        pager(
          list,
          (p) => {
            filter.page = p;
            void refresh();
          },
          'executions',
        ),
      );
    } catch (error) {
      replace(problem, errorBanner(error));
    }
  };
  const stop = every(2000, refresh);
  return {
    dispose: () => {
      stop();
      clearTimeout(typing);
    },
  };
}

/**
 * Start execution: a name and an input, checked as the state machine will check it.
 * `?from=<executionArn>` prefills the input of that execution (New execution).
 * @param {HTMLElement} root
 * @param {Machine} machine
 * @param {URLSearchParams} params
 * @returns {View}
 */
export function startPage(root, machine, params) {
  crumbs([['State machines', '#/'], [machine.name, machineHref(machine.name)], ['Start execution']]);
  const name = h('input', {
    id: 'execution-name',
    placeholder: 'a UUID when left empty',
    maxlength: 80,
    size: 50,
  });
  const input = h('textarea', {
    id: 'execution-input',
    spellcheck: false,
    'aria-label': 'Execution input (JSON)',
  });
  const examples = h('select', { id: 'example', 'aria-label': 'Example input' });
  const outcome = h('div', { id: 'start-outcome' });
  const startButton = h(
    'button',
    { class: 'primary', type: 'button', onclick: () => void start() },
    'Start execution',
  );
  /** @type {Array<{ label: string, input: unknown }>} */
  let offered = [];

  replace(
    root,
    h('h1', {}, `Start execution · ${machine.name}`),
    h(
      'div',
      { class: 'panel' },
      h(
        'label',
        { for: 'execution-name' },
        'Name ',
        h('span', { class: 'hint' }, '(optional; a UUID when empty; a new run’s name is its run id)'),
      ),
      name,
      h(
        'label',
        { for: 'example' },
        'Example ',
        h(
          'span',
          { class: 'hint' },
          '(from schema/execution-input.schema.json; choosing one replaces the input)',
        ),
      ),
      examples,
      h(
        'label',
        { for: 'execution-input' },
        'Input ',
        h('span', { class: 'hint' }, '(JSON, checked as Start run checks it before anything starts)'),
      ),
      input,
      outcome,
      h(
        'div',
        { class: 'row' },
        startButton,
        h('button', { type: 'button', onclick: () => void check(true) }, 'Check input'),
        h('a', { href: machineHref(machine.name) }, 'Cancel'),
      ),
    ),
  );
  examples.addEventListener('change', () => {
    const chosen = offered[Number(examples.value)];
    if (chosen) input.value = JSON.stringify(chosen.input, null, 2);
  });

  void (async () => {
    try {
      offered = await get('examples', { stateMachineArn: machine.arn });
      replace(
        examples,
        offered.map((e, i) => h('option', { value: i }, e.label)),
      );
      const from = params.get('from');
      if (from) {
        const source = await sfn('DescribeExecution', { executionArn: from });
        input.value = prettyInput(source.input);
      } else if (offered[0]) input.value = JSON.stringify(offered[0].input, null, 2);
    } catch (error) {
      replace(outcome, errorBanner(error));
    }
  })();

  /**
   * Checks the input; shows why it is refused, or (when asked) that it passes.
   * @param {boolean} say
   */
  const check = async (say) => {
    const answer = await post('check-input', {
      stateMachineArn: machine.arn,
      name: name.value.trim(),
      input: input.value,
    });
    if (!answer.ok) {
      replace(outcome, errorBanner(new ApiError(answer.error, answer.message, 400)));
      return false;
    }
    replace(
      outcome,
      say
        ? h('div', { class: 'banner info', role: 'status' }, 'The input passes the checks Start run makes.')
        : null,
    );
    return true;
  };

  const start = async () => {
    startButton.disabled = true;
    try {
      if (!(await check(false))) return;
      const out = await sfn('StartExecution', {
        stateMachineArn: machine.arn,
        input: input.value,
        ...(name.value.trim() ? { name: name.value.trim() } : {}),
      });
      location.hash = executionHref(out.executionArn);
    } catch (error) {
      replace(outcome, errorBanner(error));
    } finally {
      startButton.disabled = false;
    }
  };
  return { dispose: () => {} };
}

/**
 * An execution's input as a person would start it again: pretty, without the field Step
 * Functions adds when one execution starts another.
 * @param {string} text
 */
function prettyInput(text) {
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object') delete parsed.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID;
    return JSON.stringify(parsed, null, 2);
  } catch {
    return text;
  }
}
