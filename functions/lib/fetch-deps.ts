import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HistoryBudget } from './history-budget';
import { CollectionLeases } from './store/lease';
import type { PageWriterOptions } from './store/page-writer';
import { RunRecords } from './store/run-record';
import { TokenGuard } from './store/token-guard';
import { Watermarks } from './sync/watermark';

/** What a page needs besides the event: built once per container by the handler. */
export interface FetchPageDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly runs: RunRecords;
  readonly leases: CollectionLeases;
  readonly tokens: TokenGuard;
  /** The collections' sync watermarks, read on the first page of an incremental sync. */
  readonly watermarks: Pick<Watermarks, 'get'>;
  readonly writerOptions?: PageWriterOptions;
  /** Days item rows live before DynamoDB's TTL deletes them; undefined keeps them for good. */
  readonly itemTtlDays?: number;
  readonly now?: () => Date;
  /** @default DEFAULT_HISTORY_BUDGET */
  readonly historyBudget?: HistoryBudget;
  /** Sleeps a short quota wait (at most about a second); tests pass a clock of their own. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The stores of `tableName`, for FetchPageDeps. */
export function pageStores(client: DynamoDBDocumentClient, tableName: string) {
  return {
    client,
    tableName,
    runs: new RunRecords(client, tableName),
    leases: new CollectionLeases(client, tableName),
    tokens: new TokenGuard(client, tableName),
    watermarks: new Watermarks(client, tableName),
  };
}
