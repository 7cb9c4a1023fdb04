/**
 * The single-table layout, shared by the handlers, the CDK stack and the local runtime
 * so the three can never disagree about key names.
 *
 * - Item rows: `pk` = collection (source + scope, e.g. `glue.getJobRuns#nightly-etl`),
 *   `sk` = the item's natural key (a job run's `Id`). A page written twice is the same rows.
 * - Run records: `pk` = `run#<runId>`, `sk` = `run`.
 */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';

/** DynamoDB's limit on one item, in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** BatchWriteItem accepts at most this many put requests per call. */
export const BATCH_WRITE_LIMIT = 25;

export const RUN_RECORD_SORT_KEY = 'run';

/**
 * The table's TTL attribute (epoch seconds). Lease and token rows always carry it; item
 * rows only when the stack sets an item TTL (`ITEM_TTL_DAYS`).
 */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Partition key of the run record for `runId`. */
export function runRecordKey(runId: string): { pk: string; sk: string } {
  return { [PARTITION_KEY]: `run#${runId}`, [SORT_KEY]: RUN_RECORD_SORT_KEY } as { pk: string; sk: string };
}
