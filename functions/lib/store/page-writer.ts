import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ItemTooLarge, PageWriteIncomplete } from '../errors';
import { dynamoItemSize, dynamoItemSizeAtMost } from './item-size';
import { BATCH_WRITE_LIMIT, MAX_ITEM_BYTES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './table-schema';

/** One page's items, ready to be written under their natural keys. */
export interface PageToWrite {
  readonly collection: string;
  readonly runId: string;
  readonly items: ReadonlyArray<Record<string, unknown>>;
  readonly itemKey: (item: Record<string, unknown>) => string;
  /** When set (epoch seconds), rows carry it in the TTL attribute and DynamoDB deletes them after. */
  readonly expiresAt?: number;
}

export interface PageWriterOptions {
  /** Attempts per chunk while DynamoDB returns UnprocessedItems. @default 8 */
  readonly maxAttempts?: number;
  /** First backoff ceiling in ms; doubles per attempt, full jitter. @default 50 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling in ms. @default 2000 */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A page's rows, one per distinct natural key, ready for {@link writeRows}. */
export type PageRows = ReadonlyMap<string, Record<string, unknown>>;

/**
 * Builds the rows of a page under their natural keys and checks each against DynamoDB's item
 * size limit, before anything is written. A key repeated within the page is kept once (it
 * would make BatchWriteItem reject the whole request), so `size` is the number of distinct
 * items the page holds.
 */
export function pageRows(page: PageToWrite): PageRows {
  const rows = new Map<string, Record<string, unknown>>();
  for (const item of page.items) {
    const key = page.itemKey(item);
    const row: Record<string, unknown> = {
      [PARTITION_KEY]: page.collection,
      [SORT_KEY]: key,
      runId: page.runId,
      item,
    };
    if (page.expiresAt !== undefined) row[TTL_ATTRIBUTE] = page.expiresAt;
    const size = dynamoItemSizeAtMost(row) > MAX_ITEM_BYTES ? dynamoItemSize(row) : 0;
    if (size > MAX_ITEM_BYTES) {
      throw new ItemTooLarge(
        `item ${key} in ${page.collection} is ${size} bytes, over DynamoDB's limit of ${MAX_ITEM_BYTES} bytes`,
      );
    }
    rows.set(key, row);
  }
  return rows;
}

/**
 * Writes rows with BatchWriteItem, 25 items a request, all requests at once, retrying
 * UnprocessedItems with exponential backoff and full jitter. Rows are keyed by collection
 * and natural key, so writing a page twice leaves the same rows: no duplicates after a
 * retried Lambda or a restarted pass.
 */
export async function writeRows(
  client: DynamoDBDocumentClient,
  tableName: string,
  rows: PageRows,
  options: PageWriterOptions = {},
): Promise<void> {
  const requests: WriteRequest[] = [...rows.values()].map((Item) => ({ PutRequest: { Item } }));
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
    chunks.push(requests.slice(i, i + BATCH_WRITE_LIMIT));
  }
  await Promise.all(chunks.map((chunk) => writeChunk(client, tableName, chunk, options)));
}

/** {@link pageRows}, then {@link writeRows}; returns how many distinct items the page held. */
export async function writePage(
  client: DynamoDBDocumentClient,
  tableName: string,
  page: PageToWrite,
  options: PageWriterOptions = {},
): Promise<number> {
  const rows = pageRows(page);
  await writeRows(client, tableName, rows, options);
  return rows.size;
}

async function writeChunk(
  client: DynamoDBDocumentClient,
  tableName: string,
  chunk: WriteRequest[],
  options: PageWriterOptions,
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const out: BatchWriteCommandOutput = await client.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
    );
    const unprocessed = (out.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    if (unprocessed.length === 0) return;
    if (attempt >= maxAttempts) {
      throw new PageWriteIncomplete(
        `DynamoDB left ${unprocessed.length} of ${chunk.length} items unprocessed after ${attempt} attempts`,
      );
    }
    pending = unprocessed;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    await sleep(Math.floor(random() * ceiling));
  }
}
