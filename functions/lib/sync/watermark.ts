import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, SORT_KEY } from '../store/table-schema';
import type { Watermark } from './decide';

/** The watermark row of a collection: `sync#<collection>` / `watermark`. */
export function watermarkKey(collection: string): Record<string, string> {
  return { [PARTITION_KEY]: `sync#${collection}`, [SORT_KEY]: 'watermark' };
}

/**
 * The sync watermark of each collection: one row, read on the first page of an incremental
 * sync and written only when a sync succeeds (by finish-run, which holds the collection's
 * lease, so no two writers race).
 */
export class Watermarks {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The collection's watermark, or null when no sync of it has succeeded yet. */
  async get(collection: string): Promise<Watermark | null> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: watermarkKey(collection), ConsistentRead: true }),
    );
    if (!out.Item) return null;
    const { newest, oldestPending, runId, syncedAt } = out.Item;
    return { collection, newest: newest ?? null, oldestPending: oldestPending ?? null, runId, syncedAt };
  }

  /** Replaces the collection's watermark (an UpdateItem, so finish-run needs no PutItem). */
  async put(watermark: Watermark): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: watermarkKey(watermark.collection),
        UpdateExpression:
          'SET newest = :newest, oldestPending = :oldestPending, runId = :runId, syncedAt = :syncedAt',
        ExpressionAttributeValues: {
          ':newest': watermark.newest,
          ':oldestPending': watermark.oldestPending,
          ':runId': watermark.runId,
          ':syncedAt': watermark.syncedAt,
        },
      }),
    );
  }
}
