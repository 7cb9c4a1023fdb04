import { describe, expect, it } from 'vitest';
import { ItemTooLarge } from '../../functions/lib/errors';
import { dynamoItemSize, dynamoItemSizeAtMost } from '../../functions/lib/store/item-size';
import { pageRows } from '../../functions/lib/store/page-writer';
import { MAX_ITEM_BYTES } from '../../functions/lib/store/table-schema';

const ITEMS: Record<string, unknown>[] = [
  { id: 'a', n: 0, m: -12.5e-3, big: 12345678901234567890n, ok: true, none: null },
  { id: 'été ☃ 𝄞', tags: ['x', 'ÿ', 1, [2, { deep: '€' }]], gone: undefined },
  { id: 'b', blob: new Uint8Array(17), nested: { at: '2030-01-01T00:00:00.000Z', list: [] } },
  { ключ: 'значение', n: 1e21, f: 0.1 + 0.2 },
];

describe('the item size bound', () => {
  it.each(ITEMS.map((item, i) => [i, item] as const))(
    'is never below the exact size (item %i)',
    (_, item) => {
      expect(dynamoItemSizeAtMost(item)).toBeGreaterThanOrEqual(dynamoItemSize(item));
    },
  );

  it('accepts an item whose bound passes the limit but whose exact size does not', () => {
    // ASCII: its bound counts 3 bytes a character, its size one.
    const item = { id: 'near', text: 'a'.repeat(MAX_ITEM_BYTES - 1_000) };
    expect(dynamoItemSizeAtMost(item)).toBeGreaterThan(MAX_ITEM_BYTES);
    const rows = pageRows({ collection: 'c', runId: 'r', items: [item], itemKey: () => 'near' });
    expect(rows.size).toBe(1);
  });

  it('rejects an item over the limit by its exact size, naming it and the size', () => {
    const item = { id: 'huge', text: 'é'.repeat(MAX_ITEM_BYTES / 2) };
    expect(() => pageRows({ collection: 'c', runId: 'r', items: [item], itemKey: () => 'huge' })).toThrow(
      ItemTooLarge,
    );
    expect(() => pageRows({ collection: 'c', runId: 'r', items: [item], itemKey: () => 'huge' })).toThrow(
      /item huge in c is \d+ bytes, over DynamoDB's limit of 409600 bytes/,
    );
  });
});
