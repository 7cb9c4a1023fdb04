import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { CollectionBusy, RunStateConflict, THROTTLE_ERROR_NAMES } from './errors';
import type { EndedExecutionStatus, ExecutionEnding, Reconciled } from './reconcile';

/** An execution as DescribeExecution reports it; undefined when it does not exist. */
export interface DescribedExecution {
  readonly status: string;
  readonly input?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** Asks Step Functions about an execution (DescribeExecution on AWS or the local endpoint). */
export interface ExecutionLookup {
  describe(executionArn: string): Promise<DescribedExecution | undefined>;
}

/** An ExecutionLookup over an SFN client: `ExecutionDoesNotExist` becomes undefined. */
export function sfnExecutionLookup(client: SFNClient): ExecutionLookup {
  return {
    async describe(executionArn) {
      try {
        const out = await client.send(
          new DescribeExecutionCommand({
            executionArn,
            // The run is known; the input is not needed, and leaving it (and the encrypted
            // definition) out needs no kms:Decrypt on a customer managed key.
            includedData: 'METADATA_ONLY',
          }),
        );
        return { status: out.status ?? 'UNKNOWN', input: out.input, error: out.error, cause: out.cause };
      } catch (error) {
        if ((error as Error).name === 'ExecutionDoesNotExist') return undefined;
        throw error;
      }
    },
  };
}

export interface TakeoverDeps {
  readonly executions: ExecutionLookup;
  /**
   * Records how the holder ended on its record and releases its lease: `reconcileExecution`
   * for a pagewalk run, `reconcileSyncExecution` for an all-jobs sync.
   */
  readonly record: (ending: ExecutionEnding) => Promise<Reconciled>;
}

/** What the run or lease found in the way names: the execution, its run and when its lease expires. */
export interface Holder {
  readonly executionArn: string;
  readonly runId: string;
  readonly collection: string;
  /** Epoch seconds; undefined when no live lease names this execution. */
  readonly leaseExpiresAt?: number;
  /** How the refusal is named: a busy collection (new run) or a run still running (resume). */
  readonly refuseAs: 'CollectionBusy' | 'RunStateConflict';
  /**
   * What the holder works for, for the messages: a pagewalk run (resumed by id) or an all-jobs
   * sync (started again).
   * @default 'run'
   */
  readonly kind?: 'run' | 'sync';
}

const ENDED: readonly string[] = ['FAILED', 'ABORTED', 'TIMED_OUT'];
/** Failures of DescribeExecution itself that the Start run Retry handles. */
const TRANSIENT = new Set([...THROTTLE_ERROR_NAMES, 'TimeoutError', 'InternalServerError']);

function refusal(holder: Holder, message: string): Error {
  return holder.refuseAs === 'CollectionBusy' ? new CollectionBusy(message) : new RunStateConflict(message);
}

/** `run <id>` or `sync <id>`, and what to do once its execution is stopped. */
function named(holder: Holder): { what: string; next: string } {
  const what = `${holder.kind ?? 'run'} ${holder.runId}`;
  return { what, next: holder.kind === 'sync' ? 'start the sync again' : `resume ${what}` };
}

function leaseNote(holder: Holder): string {
  return holder.leaseExpiresAt === undefined
    ? ''
    : ` Its lease on ${holder.collection} expires at ${new Date(holder.leaseExpiresAt * 1000).toISOString()}.`;
}

/**
 * Makes way for a new run or a resume when what holds the collection (or the run) is an
 * execution that is no longer running: asks Step Functions how it ended, records that on its
 * run or sync and releases its lease (`deps.record`), so the caller can take over at once. An
 * execution that does not exist (it never reached Step Functions, or the local process that
 * ran it is gone) counts as stopped. A RUNNING holder is refused with what to do. When
 * DescribeExecution itself fails the start is refused with that reason: it never guesses.
 */
export async function takeOverFrom(holder: Holder, deps: TakeoverDeps): Promise<Reconciled> {
  const { record } = deps;
  let described: DescribedExecution | undefined;
  try {
    described = await deps.executions.describe(holder.executionArn);
  } catch (error) {
    const name = (error as Error).name;
    if (TRANSIENT.has(name)) throw error;
    throw refusal(
      holder,
      `${named(holder).what} is held by execution ${holder.executionArn}, and Step Functions could not say whether it still runs (DescribeExecution: ${name}: ${(error as Error).message}).${leaseNote(holder)} Stop that execution, then ${holder.kind === 'sync' ? 'start the sync again' : 'resume'}.`,
    );
  }
  if (described === undefined) {
    return record({
      executionArn: holder.executionArn,
      status: 'ABORTED',
      runId: holder.runId,
      error: 'ExecutionDoesNotExist',
      cause: `Step Functions has no execution ${holder.executionArn}: the process that ran it is gone.`,
    });
  }
  if (ENDED.includes(described.status)) {
    return record({
      executionArn: holder.executionArn,
      status: described.status as EndedExecutionStatus,
      runId: holder.runId,
      input: described.input,
      error: described.error,
      cause: described.cause,
    });
  }
  const how =
    described.status === 'RUNNING'
      ? 'is still RUNNING'
      : `is ${described.status} without having recorded an ending (it handed the ${holder.kind ?? 'run'} on, or is about to)`;
  const { what, next } = named(holder);
  throw refusal(
    holder,
    `${what} is being run by execution ${holder.executionArn}, which ${how}.${leaseNote(holder)} Stop that execution (aws stepfunctions stop-execution --execution-arn ${holder.executionArn}), then ${next}.`,
  );
}
