import type { Cursor } from './cursor';
import { causeMessage, InvalidInput } from './errors';
import type { RunConfig } from './run-config';
import type { CollectionLeases } from './store/lease';
import type { RunRecords } from './store/run-record';
import type { SyncProgress } from './sync/decide';
import { syncSummary, watermarkAfter } from './sync/page-step';
import type { Watermarks } from './sync/watermark';
import { parseRunAndCursor } from './task-event';
import { isRecord } from './validate';

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
  /** Waits for quota the run made ("Wait for quota"). */
  readonly waits: number;
  readonly segment: number;
  readonly limit?: string;
  /** Where a caught-up or stopped run continues from. */
  readonly nextToken?: string | null;
  /** For sources with sync marks: the mode, whether it stopped early, and why it read everything. */
  readonly sync?: ReturnType<typeof syncSummary>;
}

/** A failure as the "Run failed" state reports it. */
export interface RunFailure {
  readonly error: string;
  readonly cause: string;
}

/** What "Record completion" and "Record failure" pass to the finish-run function. */
export type FinishRunEvent =
  | {
      readonly outcome: 'succeeded';
      /** How the run ended, as the Pass state the "More pages?" Choice chose names it. */
      readonly ending: EndStatus;
      readonly run: RunConfig;
      readonly cursor: Cursor;
    }
  | {
      readonly outcome: 'failed';
      readonly run: RunConfig;
      readonly cursor: Cursor;
      readonly error: { readonly Error?: unknown; readonly Cause?: unknown };
    };

export interface FinishRunDeps {
  readonly runs: RunRecords;
  readonly leases: CollectionLeases;
  /** Written when a sync succeeds, never otherwise: the next incremental sync reads down to it. */
  readonly watermarks: Pick<Watermarks, 'put'>;
  readonly now?: () => Date;
}

const END_STATUSES: readonly EndStatus[] = ['succeeded', 'caughtUp', 'stoppedAtLimit'];
const isEndStatus = (value: unknown): value is EndStatus => END_STATUSES.some((status) => status === value);

/** Validates the event the state machine built; a malformed one is a bug in the ASL, so say where. */
export function parseFinishRunEvent(event: unknown): FinishRunEvent {
  const { fields, run, cursor } = parseRunAndCursor(event, 'finish-run');
  if (fields.outcome === 'succeeded') {
    if (!isEndStatus(fields.ending)) {
      throw new InvalidInput(
        `ending must be one of: ${END_STATUSES.join(', ')} (named by the Pass state before Record completion); got ${JSON.stringify(fields.ending)}`,
      );
    }
    return { outcome: 'succeeded', ending: fields.ending, run, cursor };
  }
  if (fields.outcome === 'failed' && isRecord(fields.error)) {
    return {
      outcome: 'failed',
      run,
      cursor,
      error: { Error: fields.error.Error, Cause: fields.error.Cause },
    };
  }
  throw new InvalidInput(
    `outcome must be one of: succeeded, failed (with error); got ${JSON.stringify(fields.outcome)}`,
  );
}

/**
 * Records the end of a run: its final counters and status, or the failure with its error
 * (keeping the checkpoint), and gives the collection's lease back either way.
 */
export async function finishRun(
  event: FinishRunEvent,
  deps: FinishRunDeps,
): Promise<RunSummary | RunFailure> {
  const { run, cursor } = event;
  if (event.outcome === 'succeeded') {
    const status = event.ending;
    await deps.runs.complete(run.runId, status, cursor);
    // Before the lease goes: the next sync of the collection must find this run's watermark.
    const sync: SyncProgress | undefined = cursor.sync;
    const watermark =
      sync && status === 'succeeded' ? watermarkAfter(run, sync, deps.now?.() ?? new Date()) : undefined;
    if (watermark) await deps.watermarks.put(watermark);
    await deps.leases.release(run.collection, run.runId);
    return {
      runId: run.runId,
      status,
      source: run.source,
      collection: run.collection,
      pages: cursor.page,
      items: cursor.items,
      restarts: cursor.restarts,
      polls: cursor.polls,
      waits: cursor.waits,
      segment: run.segment,
      ...(status === 'succeeded' ? {} : { nextToken: cursor.nextToken }),
      ...(status === 'stoppedAtLimit' ? { limit: cursor.limit ?? undefined } : {}),
      ...(sync ? { sync: syncSummary(run.options.sync ?? 'full', sync) } : {}),
    };
  }
  const error = typeof event.error.Error === 'string' ? event.error.Error : 'States.TaskFailed';
  const cause = causeMessage(event.error.Cause);
  await deps.runs.fail(run.runId, { error, message: cause });
  await deps.leases.release(run.collection, run.runId);
  return { error, cause };
}
