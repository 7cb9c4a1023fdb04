/**
 * The query string of an SP-API call, read as Amazon reads it: URL-decoded once (a raw `+`
 * is a space), arrays comma-separated (the models' `collectionFormat: csv`), dates in ISO 8601.
 * Each operation says how a bad value is answered (its own 400 message); `details` names the
 * parameter and what it allows.
 */
import type { SpApiError } from './spapi-errors';

const ISO_8601 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/** The parameters of one call and the checks every operation makes on them. */
export class SpApiQuery {
  readonly #params: URLSearchParams;

  /**
   * @param search The raw query string, `?` included or not.
   * @param invalid The operation's 400 for a bad value, given the details.
   */
  constructor(
    search: string,
    private readonly invalid: (details: string) => SpApiError,
  ) {
    this.#params = new URLSearchParams(search);
  }

  /** Which of `names` the call carries, in the order given. */
  given(names: readonly string[]): string[] {
    return names.filter((name) => this.#params.has(name));
  }

  /** The value of `name` (repeated values joined by commas, as one list); undefined when absent. */
  string(name: string): string | undefined {
    const values = this.#params.getAll(name);
    return values.length === 0 ? undefined : values.join(',');
  }

  /** `name` as epoch milliseconds; undefined when absent, the operation's 400 when it is not ISO 8601. */
  date(name: string): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const match = ISO_8601.exec(text);
    // Milliseconds are all Date.parse reads; finer fractions are cut, not refused.
    const ms = match ? Date.parse(`${match[1]}${(match[2] ?? '').slice(0, 4)}${match[3]}`) : Number.NaN;
    if (Number.isNaN(ms)) {
      throw this.invalid(
        `${name} must be a date-time in ISO 8601 format (e.g. 2026-01-01T00:00:00Z); got ${text}`,
      );
    }
    return ms;
  }

  /** `name` as an integer in [min, max]; `fallback` when absent. */
  integer(name: string, min: number, max: number, fallback: number): number {
    const text = this.string(name);
    if (text === undefined) return fallback;
    const n = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw this.invalid(`${name} must be an integer from ${min} to ${max}; got ${text}`);
    }
    return n;
  }

  /** `name` as a comma-separated list; undefined when absent. */
  list(
    name: string,
    rules: { minItems?: number; maxItems?: number; allowed?: readonly string[] } = {},
  ): string[] | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const items = text.split(',').filter((item) => item !== '');
    const { minItems = 1, maxItems, allowed } = rules;
    if (items.length < minItems || (maxItems !== undefined && items.length > maxItems)) {
      const range = maxItems === undefined ? `at least ${minItems}` : `${minItems} to ${maxItems}`;
      throw this.invalid(`${name} must list ${range} values; got ${items.length}`);
    }
    const unknown = allowed ? items.filter((item) => !allowed.includes(item)) : [];
    if (unknown.length > 0) {
      throw this.invalid(`${name} has ${unknown.join(', ')}; allowed: ${allowed?.join(', ')}`);
    }
    return items;
  }
}
