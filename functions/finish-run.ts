import type { Cursor } from './lib/cursor';
import { requireEnv } from './lib/env';
import { causeMessage, InvalidInput } from './lib/errors';
import type { RunConfig } from './lib/run-config';
import { isRecord } from './lib/sources/validate';
import { documentClient } from './lib/store/dynamo';
import { RunRecords } from './lib/store/run-record';

const tableName = requireEnv('TABLE_NAME');
const runs = new RunRecords(documentClient, tableName);

/** The run's summary: the execution output of a successful run. */
export interface RunSummary {
  readonly runId: string;
  /** `caughtUp` when the source had nothing more for now and polling reached its bound. */
  readonly status: 'succeeded' | 'caughtUp';
  readonly source: string;
  readonly pages: number;
  readonly items: number;
  readonly restarts: number;
  readonly polls: number;
  /** Where a caught-up run continues from. */
  readonly nextToken?: string | null;
}

/** A failure as the "Run failed" state reports it. */
export interface RunFailure {
  readonly error: string;
  readonly cause: string;
}

/** Records the end of a run: success with its final counters, or failure with the error, keeping the checkpoint. */
export const handler = async (event: unknown): Promise<RunSummary | RunFailure> => {
  if (!isRecord(event) || !isRecord(event.run) || !isRecord(event.cursor)) {
    throw new InvalidInput('the finish-run event must carry run and cursor objects');
  }
  const run = event.run as unknown as RunConfig;
  const cursor = event.cursor as unknown as Cursor;
  if (event.outcome === 'succeeded') {
    const status = cursor.moreResultsAvailable === false ? 'caughtUp' : 'succeeded';
    await runs.complete(run.runId, status, cursor);
    return {
      runId: run.runId,
      status,
      source: run.source,
      pages: cursor.page,
      items: cursor.items,
      restarts: cursor.restarts,
      polls: cursor.polls,
      ...(status === 'caughtUp' ? { nextToken: cursor.nextToken } : {}),
    };
  }
  if (event.outcome === 'failed' && isRecord(event.error)) {
    const error = typeof event.error.Error === 'string' ? event.error.Error : 'States.TaskFailed';
    const cause = causeMessage(event.error.Cause);
    await runs.fail(run.runId, { error, message: cause });
    return { error, cause };
  }
  throw new InvalidInput(
    `outcome must be one of: succeeded, failed (with error); got ${JSON.stringify(event.outcome)}`,
  );
};
