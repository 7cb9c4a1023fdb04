// @ts-check
/** What every page of the console shares: polling, error banners, breadcrumbs, the state machines. */
import { ApiError, sfn } from './api.js';
import { byId, h, replace } from './dom.js';

/** @typedef {{ dispose(): void }} View */
/** @typedef {{ arn: string, name: string }} Machine */

/**
 * Calls `work` now and then every `ms` while the page stays, one call at a time.
 * @param {number} ms
 * @param {() => Promise<unknown>} work
 * @returns {() => void} stops it
 */
export function every(ms, work) {
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const tick = async () => {
    try {
      await work();
    } catch (error) {
      console.error(error);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * An error as a banner: its name and message, as text.
 * @param {unknown} error
 */
export function errorBanner(error) {
  const name = error instanceof ApiError ? error.name : error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return h('div', { class: 'banner error', role: 'alert' }, h('strong', {}, name), h('pre', {}, message));
}

/** @type {Promise<Machine[]> | undefined} */
let machines;
/** The state machines the endpoint serves (they do not change while it runs). */
export function stateMachines() {
  machines ??= sfn('ListStateMachines', {}).then(
    (out) =>
      /** @type {Machine[]} */ (
        (out.stateMachines ?? []).map((/** @type {any} */ m) => ({ arn: m.stateMachineArn, name: m.name }))
      ),
    (error) => {
      machines = undefined;
      throw error;
    },
  );
  return machines;
}

/**
 * Sets the breadcrumbs: links given as [text, href] (the last one without href is the page).
 * @param {Array<[string, string?]>} parts
 */
export function crumbs(parts) {
  replace(
    byId('crumbs'),
    parts.flatMap(([text, href], i) => [
      i > 0 ? ' / ' : '',
      href ? h('a', { href }, text) : h('span', {}, text),
    ]),
  );
  document.title = `${parts[parts.length - 1]?.[0] ?? 'pagewalk'} · pagewalk local console`;
}

/**
 * An execution status as a badge.
 * @param {string} status
 */
export const statusBadge = (status) => h('span', { class: `badge ${status}` }, status);

/**
 * First / previous / next / last buttons and where the page sits.
 * @param {{ page: number, pages: number, total: number }} at
 * @param {(page: number) => void} go
 * @param {string} what e.g. `executions`
 */
export function pager(at, go, what) {
  return h(
    'div',
    { class: 'pager', role: 'navigation', 'aria-label': `${what} pages` },
    h('button', { onclick: () => go(1), disabled: at.page <= 1, 'aria-label': 'First page' }, '«'),
    h(
      'button',
      { onclick: () => go(at.page - 1), disabled: at.page <= 1, 'aria-label': 'Previous page' },
      '‹',
    ),
    h(
      'span',
      { class: 'muted' },
      `page ${at.page} of ${at.pages} · ${at.total.toLocaleString('en-US')} ${what}`,
    ),
    h(
      'button',
      { onclick: () => go(at.page + 1), disabled: at.page >= at.pages, 'aria-label': 'Next page' },
      '›',
    ),
    h(
      'button',
      { onclick: () => go(at.pages), disabled: at.page >= at.pages, 'aria-label': 'Last page' },
      '»',
    ),
  );
}
