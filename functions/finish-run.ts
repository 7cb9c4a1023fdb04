import type { Cursor } from './lib/cursor';
import { requireEnv } from './lib/env';
import { causeMessage, InvalidInput } from './lib/errors';
import { logger, withRunContext } from './lib/observability';
import type { RunConfig } from './lib/run-config';
import { documentClient } from './lib/store/dynamo';
import { CollectionLeases } from './lib/store/lease';
import { RunRecords } from './lib/store/run-record';
import { isRecord } from './lib/validate';

const tableName = requireEnv('TABLE_NAME');
const runs = new RunRecords(documentClient, tableName);
const leases = new CollectionLeases(documentClient, tableName);

/** How a run that ended without an error ended. */
export type EndStatus = 'succeeded' | 'caughtUp' | 'stoppedAtLimit';

/** The run's summary: the execution output of a run that ended without an error. */
export interface RunSummary {
  readonly runId: string;
  /**
   * `succeeded`: the source said there is no more. `caughtUp`: MoreResultsAvailable=false
   * and polling reached maxPolls. `stoppedAtLimit`: a limit was reached. The last two can be resumed.
   */
  readonly status: EndStatus;
  readonly source: string;
  readonly collection: string;
  readonly pages: number;
  readonly items: number;
  readonly restarts: number;
  readonly polls: number;
  readonly segment: number;
  readonly limit?: string;
  /** Where a caught-up or stopped run continues from. */
  readonly nextToken?: string | null;
}

/** A failure as the "Run failed" state reports it. */
export interface RunFailure {
  readonly error: string;
  readonly cause: string;
}

/** Reads how the run ended from the last cursor, in the Choice's order of precedence. */
export function endStatus(cursor: Cursor): EndStatus {
  const noMore =
    cursor.hasNext === false || (cursor.nextToken === null && cursor.moreResultsAvailable !== false);
  if (noMore) return 'succeeded';
  if (cursor.limit !== null) return 'stoppedAtLimit';
  return cursor.moreResultsAvailable === false ? 'caughtUp' : 'succeeded';
}

/**
 * Records the end of a run: its final counters and status, or the failure with its error
 * (keeping the checkpoint), and gives the collection's lease back either way.
 */
export const handler = async (event: unknown): Promise<RunSummary | RunFailure> => {
  if (!isRecord(event) || !isRecord(event.run) || !isRecord(event.cursor)) {
    throw new InvalidInput('the finish-run event must carry run and cursor objects');
  }
  const run = event.run as unknown as RunConfig;
  const cursor = event.cursor as unknown as Cursor;
  withRunContext(run.runId, run.source);
  if (event.outcome === 'succeeded') {
    const status = endStatus(cursor);
    logger.info('run ended', { status, pages: cursor.page, items: cursor.items, segment: run.segment });
    await runs.complete(run.runId, status, cursor);
    await leases.release(run.collection, run.runId);
    return {
      runId: run.runId,
      status,
      source: run.source,
      collection: run.collection,
      pages: cursor.page,
      items: cursor.items,
      restarts: cursor.restarts,
      polls: cursor.polls,
      segment: run.segment,
      ...(status === 'succeeded' ? {} : { nextToken: cursor.nextToken }),
      ...(status === 'stoppedAtLimit' ? { limit: cursor.limit ?? undefined } : {}),
    };
  }
  if (event.outcome === 'failed' && isRecord(event.error)) {
    const error = typeof event.error.Error === 'string' ? event.error.Error : 'States.TaskFailed';
    const cause = causeMessage(event.error.Cause);
    logger.error('run failed', { error, cause, pages: cursor.page, segment: run.segment });
    await runs.fail(run.runId, { error, message: cause });
    await leases.release(run.collection, run.runId);
    return { error, cause };
  }
  throw new InvalidInput(
    `outcome must be one of: succeeded, failed (with error); got ${JSON.stringify(event.outcome)}`,
  );
};
