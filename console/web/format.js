// @ts-check
/** How the console writes times, durations and counts. */

const numbers = new Intl.NumberFormat('en-US');

/** @param {number | undefined | null} n */
export const count = (n) => (typeof n === 'number' ? numbers.format(n) : '–');

/**
 * A date (epoch ms) as local date and time, to the millisecond.
 * @param {number | undefined | null} ms
 */
export function time(ms) {
  if (typeof ms !== 'number') return '–';
  const d = new Date(ms);
  const pad = (/** @type {number} */ n, width = 2) => String(n).padStart(width, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * A duration in ms, as a person reads it: 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min.
 * @param {number | undefined | null} ms
 */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * JSON text pretty-printed when it parses, as given when it does not.
 * @param {unknown} text
 */
export function prettyJson(text) {
  if (typeof text !== 'string') return JSON.stringify(text, null, 2) ?? '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * `camelCase` as words: `segmentCount` → `segment count`.
 * @param {string} key
 */
export const words = (key) => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
