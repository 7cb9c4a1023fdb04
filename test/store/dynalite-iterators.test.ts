import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { closeDynaliteIterators } from '../../local/dynamodb';

/** The in-memory store dynalite itself loads (memory-level, on abstract-level). */
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const { MemoryLevel } = fromDynalite('memory-level') as {
  MemoryLevel: new () => {
    put(key: string, value: string): Promise<void>;
    values(): { next(): Promise<unknown>; return?(): Promise<unknown> };
    close(): Promise<void>;
  };
};

describe("the iterators behind dynalite's Query and Scan", () => {
  it('are closed by the return() dynalite ends each stream with', async () => {
    closeDynaliteIterators();
    const db = new MemoryLevel();
    await db.put('a', '1');
    const iterator = db.values();
    await iterator.next();

    await iterator.return?.();

    await expect(iterator.next()).rejects.toMatchObject({ code: 'LEVEL_ITERATOR_NOT_OPEN' });
    await db.close();
  });

  it('are patched once however many dynalites start', () => {
    closeDynaliteIterators();

    expect(closeDynaliteIterators()).toBe(0);
  });
});
