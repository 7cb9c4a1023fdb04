/**
 * Reading an HTTP source's answer by its definition's `response` mapping: the items, each
 * item's natural key, the token and the two flags.
 */
import { createHash } from 'node:crypto';
import { InconsistentPage } from '../errors';
import { describe, isRecord } from '../validate';
import type { HttpResponseMapping as ResponseMapping } from './definition';
import type { SourcePage } from './source';

/** The placeholder that keys an item by its content. */
export const CONTENT_HASH = '{sha256}';

/** Reads `a.b.0.c` from a parsed JSON body. */
export function readPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isRecord(current)) current = current[part];
    else return undefined;
  }
  return current;
}

/** `value` as JSON with every object's keys sorted: the same content always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The items at `mapping.items`, or undefined when the body has no such array (of objects). */
function itemsOf(body: unknown, mapping: ResponseMapping): Array<Record<string, unknown>> | undefined {
  if (!mapping.items.endsWith('.*')) {
    const items = readPath(body, mapping.items);
    return Array.isArray(items) && items.every(isRecord) ? items : undefined;
  }
  const members = readPath(body, mapping.items.slice(0, -2));
  if (!isRecord(members)) return undefined;
  const items: Array<Record<string, unknown>> = [];
  for (const [member, list] of Object.entries(members)) {
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || !list.every(isRecord)) return undefined;
    const field = mapping.itemsMemberField;
    items.push(...(field ? list.map((item) => ({ ...item, [field]: member })) : list));
  }
  return items;
}

/** The page a source answered, read by its mapping; `InconsistentPage` naming what is missing. */
export function toPage(source: string, mapping: ResponseMapping, body: unknown): SourcePage {
  const items = itemsOf(body, mapping);
  if (!items)
    throw new InconsistentPage(`${source} answered without an array of objects at ${mapping.items}`);
  const token = readPath(body, mapping.nextToken);
  const flag = (path: string | undefined, field: string): boolean | null => {
    if (path === undefined) return null;
    const value = readPath(body, path);
    if (typeof value !== 'boolean') {
      throw new InconsistentPage(
        `${source} answered without a boolean ${field} at ${path}; got ${describe(value)}`,
      );
    }
    return value;
  };
  return {
    items,
    nextToken: typeof token === 'string' && token !== '' ? token : null,
    hasNext: flag(mapping.hasNext, 'HasNext'),
    moreResultsAvailable: flag(mapping.moreResultsAvailable, 'MoreResultsAvailable'),
  };
}

/** The item's natural key by the mapping; `InconsistentPage` when the item lacks a part of it. */
export function itemKeyOf(source: string, mapping: ResponseMapping, item: Record<string, unknown>): string {
  const paths = typeof mapping.itemKey === 'string' ? [mapping.itemKey] : mapping.itemKey;
  return paths
    .map((path) => {
      if (path === CONTENT_HASH) return createHash('sha256').update(canonicalJson(item)).digest('hex');
      const key = readPath(item, path);
      if ((typeof key !== 'string' || key === '') && typeof key !== 'number') {
        throw new InconsistentPage(`${source} returned an item without ${path}`);
      }
      return String(key);
    })
    .join('#');
}
