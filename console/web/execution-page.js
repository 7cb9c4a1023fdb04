// @ts-check
/**
 * One execution, as the Step Functions console shows it: its details and an error banner
 * with the cause, the actions (Stop, Resume, New execution, Export), the run record beside
 * it, and three views of what happened: the graph drawn from the ASL and coloured by state,
 * the table of states, and the events, 25 a page. It refreshes every second while the
 * execution runs, and once more when it ends.
 */
import { ApiError, executionHref, get, machineHref, ms, sfn } from './api.js';
import { h, replace } from './dom.js';
import { detail, eventsTable, runPanel, statePanel, statesTable } from './execution-panels.js';
import { count, duration, prettyJson, time } from './format.js';
import { drawGraph, layoutDefinition, STATUSES } from './graph.js';
import { crumbs, errorBanner, every, stateMachines, statusBadge } from './page.js';

/** @typedef {import('./page.js').View} View */

/** Run statuses a run can be resumed from (every ending but success). */
const RESUMABLE = ['failed', 'caughtUp', 'stoppedAtLimit', 'stopped', 'timedOut'];
const TABS = /** @type {const} */ ([
  ['graph', 'Graph view'],
  ['table', 'Table of states'],
  ['events', 'Events'],
]);

/**
 * @param {HTMLElement} root
 * @param {string} arn
 * @param {URLSearchParams} params
 * @returns {View}
 */
export function executionPage(root, arn, params) {
  const view = {
    tab: TABS.some(([key]) => key === params.get('tab'))
      ? /** @type {string} */ (params.get('tab'))
      : 'graph',
    /** @type {string | undefined} */
    selected: params.get('state') ?? undefined,
    events: { page: 1, order: 'asc', open: /** @type {Set<number>} */ (new Set()) },
  };
  const header = h('div');
  const banner = h('div');
  // Shown once the execution is read: an unknown one shows only why.
  const details = h('div', { class: 'panel', id: 'details', hidden: true });
  const runArea = h('div');
  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  const content = h('div', { id: 'tab-content' });
  const graphArea = h('div', { class: 'graph-scroll', id: 'graph' });
  const stateArea = h('div');
  const views = h('div', { class: 'panel', hidden: true }, tabs, content);
  replace(root, header, banner, details, runArea, views);

  /** @type {any} */ let execution;
  /** @type {any} */ let states;
  /** @type {any} */ let run;
  /** @type {ReturnType<typeof drawGraph> | undefined} */ let graph;
  /** @type {string[]} */ let stateNames = [];
  let finalDone = false;

  const select = (/** @type {string} */ name) => {
    view.selected = name;
    if (view.tab !== 'graph') view.tab = 'graph';
    void refreshState().then(drawTab);
  };

  const refreshState = async () => {
    if (!view.selected) return replace(stateArea);
    try {
      replace(
        stateArea,
        statePanel(await get('execution/state', { arn, name: view.selected }), () => {
          view.selected = undefined;
          void refreshState().then(drawTab);
        }),
      );
    } catch (error) {
      replace(stateArea, errorBanner(error));
    }
  };

  const drawHeader = () => {
    const running = execution.status === 'RUNNING';
    const resumable = !running && run?.kind === 'run' && run.record && RESUMABLE.includes(run.record.status);
    const machineName = execution.stateMachineArn.split(':').pop();
    crumbs([['State machines', '#/'], [machineName, machineHref(machineName)], [execution.name]]);
    replace(
      header,
      h(
        'h1',
        {},
        h('span', { class: 'name-cell', id: 'execution-name' }, execution.name),
        statusBadge(execution.status),
      ),
      h(
        'div',
        { class: 'row actions' },
        h('button', { class: 'danger', id: 'stop', disabled: !running, onclick: () => void stop() }, 'Stop'),
        h(
          'button',
          {
            id: 'resume',
            disabled: !resumable,
            title: resumable ? `starts {"resume": "${run.runId}"}` : 'the run is running or has succeeded',
            onclick: () => void resume(),
          },
          'Resume',
        ),
        h(
          'a',
          {
            class: 'button',
            id: 'new-execution',
            href: `${machineHref(machineName)}/start?from=${encodeURIComponent(arn)}`,
          },
          'New execution',
        ),
        h(
          'a',
          {
            class: 'button',
            id: 'export',
            href: `/console/api/execution/export?arn=${encodeURIComponent(arn)}`,
            download: `${execution.name}.json`,
          },
          'Export',
        ),
      ),
    );
    replace(
      banner,
      execution.error || execution.cause
        ? h(
            'div',
            { class: 'banner error', role: 'alert', id: 'error-banner' },
            h('strong', {}, execution.error ?? 'Error'),
            h('pre', {}, prettyJson(execution.cause ?? '')),
          )
        : null,
    );
  };

  const drawDetails = () => {
    const started = ms(execution.startDate);
    const stopped = ms(execution.stopDate);
    replace(
      details,
      h(
        'dl',
        { class: 'details' },
        detail('Status', statusBadge(execution.status)),
        detail('Execution ARN', h('span', { class: 'mono' }, execution.executionArn)),
        detail('Run id', run?.runId ? h('span', { class: 'mono', id: 'run-id' }, run.runId) : '–'),
        detail('Started', time(started)),
        detail('Ended', time(stopped)),
        detail('Duration', duration((stopped ?? Date.now()) - (started ?? Date.now()))),
        detail('State transitions', states ? count(states.transitions) : '–'),
        detail('Retries', states ? count(states.retries) : '–'),
        detail('History events', states ? count(states.events) : '–'),
      ),
      h('details', {}, h('summary', {}, 'Input'), h('pre', { id: 'input' }, prettyJson(execution.input))),
      execution.output !== undefined
        ? h(
            'details',
            {},
            h('summary', {}, 'Output'),
            h('pre', { id: 'output' }, prettyJson(execution.output)),
          )
        : null,
    );
  };

  const drawTab = async () => {
    replace(
      tabs,
      TABS.map(([key, label]) =>
        h(
          'a',
          {
            href: '#',
            role: 'tab',
            'aria-selected': String(view.tab === key),
            'data-tab': key,
            onclick: (/** @type {Event} */ e) => {
              e.preventDefault();
              view.tab = key;
              void drawTab();
            },
          },
          label,
        ),
      ),
    );
    if (view.tab === 'graph') {
      graph?.update(states?.states ?? {}, states?.edges ?? [], view.selected);
      replace(
        content,
        h(
          'div',
          { class: 'legend', 'aria-label': 'Legend' },
          STATUSES.map(([key, label, glyph]) =>
            h('span', { class: key }, `${glyph ? `${glyph} ` : ''}${label}`),
          ),
          h('span', { class: 'hint' }, 'Click a state for its input, output, retries and errors.'),
        ),
        h('div', { class: view.selected ? 'graph-wrap with-state' : 'graph-wrap' }, graphArea, stateArea),
      );
    } else if (view.tab === 'table') {
      replace(content, statesTable(stateNames, states?.states ?? {}, select));
    } else {
      try {
        const page = await get('execution/events', { arn, page: view.events.page, order: view.events.order });
        view.events.page = page.page;
        replace(
          content,
          eventsTable(
            page,
            ms(execution.startDate) ?? 0,
            view.events,
            (p) => {
              view.events.page = p;
              void drawTab();
            },
            () => {
              view.events.order = view.events.order === 'asc' ? 'desc' : 'asc';
              view.events.page = 1;
              void drawTab();
            },
            () => void drawTab(),
          ),
        );
      } catch (error) {
        replace(content, errorBanner(error));
      }
    }
  };

  const refresh = async () => {
    if (finalDone) return;
    // The definition is read once, beside the first reads (DescribeStateMachineForExecution, as AWS's console does).
    const [described, summary, record, machine] = await Promise.all([
      sfn('DescribeExecution', { executionArn: arn }),
      get('execution/states', { arn }),
      get('execution/run', { arn }),
      graph ? undefined : sfn('DescribeStateMachineForExecution', { executionArn: arn }),
    ]);
    execution = described;
    states = summary;
    run = record;
    if (!graph) {
      const definition = JSON.parse(machine.definition);
      stateNames = Object.keys(states.states);
      graph = drawGraph(layoutDefinition(definition), select);
      replace(graphArea, graph.element);
      await refreshState();
    } else if (view.selected && execution.status === 'RUNNING') await refreshState();
    drawHeader();
    drawDetails();
    replace(runArea, runPanel(run));
    // The events view keeps its page while the user reads it; the rest follows the execution.
    if (view.tab !== 'events' || view.events.order === 'desc' || execution.status !== 'RUNNING')
      await drawTab();
    else graph.update(states.states, states.edges, view.selected);
    if (execution.status !== 'RUNNING') {
      if (view.selected) await refreshState();
      finalDone = true;
    }
  };

  const stop = async () => {
    if (
      !window.confirm(
        `Stop ${execution.name}? The run is recorded stopped; Resume continues it from its checkpoint.`,
      )
    )
      return;
    try {
      await sfn('StopExecution', {
        executionArn: arn,
        error: 'pagewalk.ConsoleStop',
        cause: 'Stopped from the local console',
      });
      finalDone = false;
      await refresh();
    } catch (error) {
      replace(banner, errorBanner(error));
    }
  };

  const resume = async () => {
    try {
      const [machine] = (await stateMachines()).filter((m) => m.arn === execution.stateMachineArn);
      if (!machine) throw new ApiError('StateMachineDoesNotExist', execution.stateMachineArn, 404);
      const out = await sfn('StartExecution', {
        stateMachineArn: machine.arn,
        input: JSON.stringify({ resume: run.runId }),
      });
      location.hash = executionHref(out.executionArn);
    } catch (error) {
      replace(banner, errorBanner(error));
    }
  };

  replace(header, h('h1', {}, arn.split(':').pop() ?? arn));
  const stopPolling = every(1000, async () => {
    try {
      await refresh();
      details.hidden = false;
      views.hidden = false;
    } catch (error) {
      replace(
        banner,
        errorBanner(error),
        execution ? null : h('p', {}, h('a', { href: '#/' }, 'Back to the state machines')),
      );
      // An execution that does not exist will not come to exist by asking again.
      if (!execution && error instanceof ApiError && error.status < 500) finalDone = true;
    }
  });
  return { dispose: stopPolling };
}
