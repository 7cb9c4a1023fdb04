// @ts-check
/**
 * The console's entry point: a hash router over four pages, like the Step Functions console's
 * own: the state machines (#/), one machine's executions (#/machines/<name>), Start execution
 * (#/machines/<name>/start) and one execution (#/executions/<arn>). Each page polls while it
 * is open and stops when the user leaves it.
 */
import { ApiError, get, machineHref } from './api.js';
import { byId, h, replace } from './dom.js';
import { executionPage } from './execution-page.js';
import { count } from './format.js';
import { machinePage, startPage } from './machine-pages.js';
import { crumbs, errorBanner, every, stateMachines } from './page.js';

/** @typedef {import('./page.js').View} View */

/**
 * The state machines and how many executions each has, by status.
 * @param {HTMLElement} root
 * @returns {View}
 */
function homePage(root) {
  crumbs([['State machines']]);
  const body = h('tbody');
  replace(
    root,
    h('h1', {}, 'State machines'),
    h(
      'div',
      { class: 'panel' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'ARN'), h('th', {}, 'Executions'), h('th', {}, '')),
        ),
        body,
      ),
    ),
  );
  const stop = every(3000, async () => {
    const list = await stateMachines();
    const rows = await Promise.all(
      list.map(async (m) => {
        const { total, counts } = await get('executions', { stateMachineArn: m.arn, page: 1 });
        const byStatus = Object.entries(counts ?? {})
          .map(([status, n]) => `${count(/** @type {number} */ (n))} ${status.toLowerCase()}`)
          .join(', ');
        return h(
          'tr',
          {},
          h('td', {}, h('a', { href: machineHref(m.name) }, m.name)),
          h('td', { class: 'mono name-cell' }, m.arn),
          h('td', {}, `${count(total)}${byStatus ? ` (${byStatus})` : ''}`),
          h('td', {}, h('a', { class: 'button', href: `${machineHref(m.name)}/start` }, 'Start execution')),
        );
      }),
    );
    replace(body, rows);
  });
  return { dispose: stop };
}

/** @type {View | undefined} */
let current;

/** Shows the page the location's hash names. */
async function route() {
  current?.dispose();
  current = undefined;
  const root = byId('view');
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'executions' && parts[1]) current = executionPage(root, parts[1], params);
    else if (parts[0] === 'machines' && parts[1]) {
      const machine = (await stateMachines()).find((m) => m.name === parts[1]);
      if (!machine) throw new ApiError('StateMachineDoesNotExist', `no state machine named ${parts[1]}`, 404);
      current = parts[2] === 'start' ? startPage(root, machine, params) : machinePage(root, machine, params);
    } else current = homePage(root);
  } catch (error) {
    replace(root, errorBanner(error));
  }
}

byId('endpoint').textContent = `endpoint ${location.origin}`;
window.addEventListener('hashchange', () => void route());
void route();
