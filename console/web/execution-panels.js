// @ts-check
/**
 * The parts of the execution page: the run (or sync) record with its counters and the
 * executions along the chain, a state's last visit, the table of states, and the events,
 * 25 a page, each row opening to its details.
 */
import { executionHref } from './api.js';
import { h } from './dom.js';
import { count, duration, prettyJson, time, words } from './format.js';
import { STATUSES } from './graph.js';
import { pager, statusBadge } from './page.js';

/**
 * A state status as a pill, with its glyph.
 * @param {string} status
 */
export function statePill(status) {
  const known = STATUSES.find(([key]) => key === status);
  return h(
    'span',
    { class: `state-pill ${status}` },
    `${known?.[2] ? `${known[2]} ` : ''}${known?.[1] ?? status}`,
  );
}

/** @param {unknown} value */
const isCounter = (value) => typeof value === 'number' && Number.isFinite(value);

/** Record fields shown elsewhere on the panel, or too long to show as a counter. */
const NOT_COUNTERS = new Set(['ttl', 'expiresAt']);

/**
 * The run or sync record: status, every numeric counter it has (pages, items, restarts, polls,
 * waits, ... whatever the record carries), the rate, the segments and the last error.
 * @param {any} run the console's `execution/run` answer
 */
export function runPanel(run) {
  const record = run.record;
  const rows = [];
  if (!record) {
    rows.push(
      h(
        'p',
        { class: 'muted' },
        run.runId
          ? `No ${run.kind} record for ${run.runId} yet (Start run writes it; a refused input writes none).`
          : 'This execution names no run.',
      ),
    );
  } else {
    const started = Date.parse(record.startedAt);
    const ended = Date.parse(record.completedAt ?? record.updatedAt);
    const counters = Object.entries(record).filter(
      ([key, value]) => isCounter(value) && !NOT_COUNTERS.has(key),
    );
    if (record.totals && typeof record.totals === 'object') {
      for (const [key, value] of Object.entries(record.totals))
        if (isCounter(value)) counters.push([`total ${key}`, value]);
    }
    const items = typeof record.items === 'number' ? record.items : record.totals?.items;
    const seconds = (ended - started) / 1000;
    rows.push(
      h(
        'dl',
        { class: 'details' },
        detail('Status', h('span', { class: 'mono' }, String(record.status))),
        detail('Run id', h('span', { class: 'mono' }, String(record.runId))),
        record.source !== undefined ? detail('Source', String(record.source)) : null,
        record.collection !== undefined
          ? detail('Collection', h('span', { class: 'mono' }, String(record.collection)))
          : null,
        detail('Started', time(started)),
        detail(record.completedAt ? 'Completed' : 'Updated', time(ended)),
      ),
      h(
        'div',
        { class: 'counters', 'aria-label': 'Counters' },
        counters.map(([key, value]) =>
          h(
            'div',
            { class: 'counter', 'data-counter': key },
            h('b', {}, count(/** @type {number} */ (value))),
            h('span', {}, words(key)),
          ),
        ),
        typeof items === 'number' && seconds > 0
          ? h(
              'div',
              { class: 'counter', 'data-counter': 'rate' },
              h('b', {}, count(Math.round(items / seconds))),
              h('span', {}, 'items / s'),
            )
          : null,
      ),
    );
    const segments = Object.entries(record.segments ?? {}).sort(([a], [b]) => Number(a) - Number(b));
    if (segments.length > 0) {
      rows.push(
        h('h2', {}, `Segments (${segments.length})`),
        h(
          'div',
          { class: 'links' },
          segments.map(([n, s]) =>
            h(
              'a',
              {
                href: executionHref(/** @type {any} */ (s).executionArn),
                title: /** @type {any} */ (s).startedAs,
              },
              `#${n} ${/** @type {any} */ (s.executionArn ?? '').split(':').pop()}`,
            ),
          ),
        ),
      );
    }
    if (record.lastError) {
      // A run that went on to succeed keeps the error that stopped it once; it is history, not a failure.
      const over = record.status === 'succeeded';
      rows.push(
        h(
          'div',
          { class: over ? 'banner info' : 'banner error', id: 'last-error' },
          h(
            'strong',
            {},
            `${over ? 'Earlier error (the run went on after it)' : 'Last error'}: ${record.lastError.error}`,
          ),
          h('pre', {}, String(record.lastError.message)),
        ),
      );
    }
    rows.push(
      h('details', {}, h('summary', {}, 'The whole record'), h('pre', {}, JSON.stringify(record, null, 2))),
    );
  }
  if (run.startedBy)
    rows.push(
      h(
        'p',
        {},
        'Started by ',
        h('a', { href: executionHref(run.startedBy) }, run.startedBy.split(':').pop()),
      ),
    );
  if (run.childCount > 0) {
    rows.push(
      h('h2', {}, `Executions it started (${count(run.childCount)})`),
      h(
        'table',
        {},
        h(
          'tbody',
          {},
          run.children.map((/** @type {any} */ c) =>
            h(
              'tr',
              {},
              h('td', { class: 'name-cell' }, h('a', { href: executionHref(c.executionArn) }, c.name)),
              h('td', {}, statusBadge(c.status)),
              h('td', {}, time(c.startDate)),
            ),
          ),
        ),
      ),
      run.childCount > run.children.length
        ? h('p', { class: 'muted' }, `… and ${count(run.childCount - run.children.length)} more.`)
        : null,
    );
  }
  return h(
    'div',
    { class: 'panel', id: 'run-panel' },
    h('h2', {}, run.kind === 'sync' ? 'Sync record' : 'Run record'),
    rows,
  );
}

/**
 * @param {string} term
 * @param {import('./dom.js').Child} value
 */
export const detail = (term, value) => h('div', {}, h('dt', {}, term), h('dd', {}, value));

/**
 * A state's last visit: status, counts, input, output and the errors of its attempts.
 * @param {any} state the console's `execution/state` answer
 * @param {() => void} close
 */
export function statePanel(state, close) {
  return h(
    'div',
    { class: 'panel', id: 'state-panel' },
    h(
      'div',
      { class: 'row' },
      h('h2', {}, state.name),
      h('span', { class: 'spacer' }),
      h('button', { onclick: close, 'aria-label': 'Close the state panel' }, '×'),
    ),
    h(
      'dl',
      { class: 'details' },
      detail('Status', statePill(state.status)),
      detail('Type', String(state.type ?? '–')),
      detail('Entered', `${count(state.entered)}×`),
      detail('Retries', `${count(state.retries)} (last visit ${count(state.lastVisitRetries)})`),
      detail('Caught', count(state.caught)),
      detail('Last entered', time(state.lastEnteredAt)),
    ),
    state.errors.length > 0
      ? h(
          'div',
          {},
          h('h2', {}, 'Errors (last visit)'),
          state.errors.map((/** @type {any} */ e) =>
            h(
              'div',
              { class: 'banner error' },
              h('strong', {}, `${e.error ?? e.type} · event ${e.eventId}`),
              h('pre', {}, prettyJson(e.cause ?? '')),
            ),
          ),
        )
      : null,
    h('h2', {}, 'Input'),
    state.input === undefined
      ? h('p', { class: 'muted' }, 'Not entered.')
      : h('pre', {}, prettyJson(state.input)),
    h('h2', {}, 'Output'),
    state.output === undefined
      ? h('p', { class: 'muted' }, state.status === 'running' ? 'Running…' : 'No output.')
      : h('pre', {}, prettyJson(state.output)),
  );
}

/**
 * The table of states, in definition order.
 * @param {string[]} names
 * @param {Record<string, any>} states
 * @param {(name: string) => void} select
 */
export function statesTable(names, states, select) {
  return h(
    'table',
    { id: 'states-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['State', 'Status', 'Entered', 'Retries', 'Caught', 'Failed', 'Time in state', 'Last entered'].map(
          (t, i) => h('th', { class: i >= 2 && i <= 6 ? 'num' : undefined }, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      names.map((name) => {
        const s = states[name] ?? {
          status: 'notRun',
          entered: 0,
          retries: 0,
          caught: 0,
          failed: 0,
          totalMs: 0,
        };
        return h(
          'tr',
          { 'data-state': name },
          h(
            'td',
            { class: 'name-cell' },
            h(
              'a',
              {
                href: '#',
                onclick: (/** @type {Event} */ e) => {
                  e.preventDefault();
                  select(name);
                },
              },
              name,
            ),
          ),
          h('td', {}, statePill(s.status)),
          h('td', { class: 'num' }, count(s.entered)),
          h('td', { class: 'num' }, count(s.retries)),
          h('td', { class: 'num' }, count(s.caught)),
          h('td', { class: 'num' }, count(s.failed)),
          h('td', { class: 'num' }, duration(s.totalMs)),
          h('td', {}, time(s.lastEnteredAt)),
        );
      }),
    ),
  );
}

/**
 * One page of events. Failures are marked; a click opens an event's details.
 * @param {any} page the console's `execution/events` answer
 * @param {number} startMs the execution's start
 * @param {{ order: string, open: Set<number> }} view
 * @param {(page: number) => void} go
 * @param {() => void} toggleOrder
 * @param {() => void} redraw
 */
export function eventsTable(page, startMs, view, go, toggleOrder, redraw) {
  const rows = page.items.flatMap((/** @type {any} */ event) => {
    const details = Object.entries(event).find(([key]) => key.endsWith('EventDetails'))?.[1];
    const open = view.open.has(event.id);
    const toggle = () => {
      if (open) view.open.delete(event.id);
      else view.open.add(event.id);
      redraw();
    };
    return [
      h(
        'tr',
        {
          class: `event${event.failure ? ' failure' : ''}`,
          'data-event': event.id,
          tabindex: 0,
          'aria-expanded': String(open),
          onclick: toggle,
          onkeydown: (/** @type {Event} */ e) => /** @type {KeyboardEvent} */ (e).key === 'Enter' && toggle(),
        },
        h('td', { class: 'num' }, event.id),
        h('td', {}, `${open ? '▾' : '▸'} ${event.type}`),
        h('td', { class: 'name-cell' }, event.state ?? ''),
        h('td', { class: 'num' }, duration(event.timestamp * 1000 - startMs)),
        h('td', {}, time(event.timestamp * 1000)),
      ),
      open
        ? h(
            'tr',
            { class: 'details' },
            h('td', { colspan: 5 }, h('pre', {}, details ? prettyJsonFields(details) : '(no details)')),
          )
        : null,
    ];
  });
  return h(
    'div',
    { id: 'events' },
    h(
      'div',
      { class: 'row' },
      h('button', { onclick: toggleOrder }, view.order === 'desc' ? 'Newest first ▾' : 'Oldest first ▴'),
      h('span', { class: 'muted' }, 'Click an event for its details.'),
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
          h('th', { class: 'num' }, 'ID'),
          h('th', {}, 'Type'),
          h('th', {}, 'State'),
          h('th', { class: 'num' }, 'Since start'),
          h('th', {}, 'Timestamp'),
        ),
      ),
      h('tbody', {}, rows),
    ),
    pager(page, go, 'events'),
  );
}

/**
 * Event details with their JSON-in-a-string fields (input, output, cause) opened up.
 * @param {Record<string, unknown>} details
 */
function prettyJsonFields(details) {
  const opened = Object.fromEntries(
    Object.entries(details).map(([key, value]) => {
      if (typeof value !== 'string') return [key, value];
      try {
        return [key, JSON.parse(value)];
      } catch {
        return [key, value];
      }
    }),
  );
  return JSON.stringify(opened, null, 2);
}
