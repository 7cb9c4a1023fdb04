import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Cursor } from '../cursor';
import { RunStateConflict } from '../errors';
import type { RunConfig, RunOptions, RunSince } from '../run-config';
import { conditionally } from './conditions';
import { type ExternalEnding, recordEndingWhileRunning } from './external-ending';
import { runRecordKey } from './table-schema';

/**
 * - `running`: an execution of the run is running (and only then).
 * - `caughtUp`: MoreResultsAvailable=false and polling reached its bound.
 * - `stoppedAtLimit`: maxPages, maxItems or the deadline was reached.
 * - `stopped`: the execution was stopped (StopExecution, the console, Ctrl-C, a crash of the
 *   local process) before it could record an ending itself.
 * - `timedOut`: the execution hit the state machine's own timeout.
 * - `failed`: an error ended the run.
 * Every status but `running` and `succeeded` keeps the checkpoint and can be resumed.
 */
export type RunStatus =
  | 'running'
  | 'succeeded'
  | 'caughtUp'
  | 'stoppedAtLimit'
  | 'stopped'
  | 'timedOut'
  | 'failed';

/** Statuses a run can be resumed from: every ending but success. */
export const RESUMABLE_STATUSES = ['failed', 'caughtUp', 'stoppedAtLimit', 'stopped', 'timedOut'] as const;

export type { ExternalEnding } from './external-ending';

/** One execution of a run. */
export interface Segment {
  readonly executionArn: string;
  readonly startedAt: string;
  readonly startedAs: 'new' | 'continued' | 'resumed';
}

/** The run record as stored: one per run id, the place to look for progress and to resume from. */
export interface RunRecord {
  readonly runId: string;
  readonly status: RunStatus;
  readonly source: string;
  readonly params: Record<string, unknown>;
  readonly options: RunOptions;
  readonly collection: string;
  /** The execution running the run now (or last). */
  readonly executionArn: string;
  /** Segment number → the execution that ran it. */
  readonly segments: Record<string, Segment>;
  readonly segmentCount: number;
  /** Counters when the run was started or last resumed: limits count from here. */
  readonly since: RunSince;
  /** The cursor after the last page that was written: where a resumed run continues. */
  readonly checkpoint: Cursor;
  readonly pages: number;
  readonly items: number;
  readonly written: number;
  readonly restarts: number;
  readonly polls: number;
  /** Waits for quota (absent in records written before pacing existed). */
  readonly waits?: number;
  readonly fetches: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly completedAt?: string;
  readonly lastError?: { readonly error: string; readonly message: string };
}

/** Reads and writes run records. Every counter is written as an absolute value taken from
 * the cursor, never incremented, so a Lambda retried after its write succeeded writes the
 * same numbers again and the counters stay exact. */
export class RunRecords {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates the record of a new run. A retry of the same execution finds its own record and succeeds. */
  async create(config: RunConfig, executionArn: string, cursor: Cursor): Promise<void> {
    const at = this.now().toISOString();
    const record: RunRecord = {
      runId: config.runId,
      status: 'running',
      source: config.source,
      params: config.params,
      options: config.options,
      collection: config.collection,
      executionArn,
      segments: { '1': { executionArn, startedAt: at, startedAs: 'new' } },
      segmentCount: 1,
      since: config.since,
      checkpoint: cursor,
      pages: 0,
      items: 0,
      written: 0,
      restarts: 0,
      polls: 0,
      waits: 0,
      fetches: 0,
      startedAt: at,
      updatedAt: at,
    };
    const wrote = await conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runRecordKey(config.runId), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (wrote) return;
    const existing = await this.get(config.runId);
    if (existing?.executionArn !== executionArn) {
      throw new RunStateConflict(
        `run ${config.runId} already exists, started by ${existing?.executionArn ?? 'another execution'}`,
      );
    }
  }

  /** The record of `runId`, or undefined. */
  async get(runId: string): Promise<RunRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: runRecordKey(runId), ConsistentRead: true }),
    );
    return out.Item as RunRecord | undefined;
  }

  /**
   * Hands the run to the execution of `segment`. For a continued segment the record must
   * still be running at the cursor the previous segment handed over; a resumed run becomes
   * running again with its (possibly new) options and limits counted from now.
   */
  async startSegment(
    runId: string,
    segment: number,
    segmentInfo: Segment,
    expect: { fetches: number; status: RunStatus[] },
    resume?: { options: RunOptions; since: RunSince },
  ): Promise<void> {
    const names: Record<string, string> = {
      '#status': 'status',
      '#segments': 'segments',
      '#n': String(segment),
    };
    const values: Record<string, unknown> = {
      ':segment': segmentInfo,
      ':count': segment,
      ':arn': segmentInfo.executionArn,
      ':fetches': expect.fetches,
      ':now': this.now().toISOString(),
      ':running': 'running',
    };
    const sets = [
      '#segments.#n = :segment',
      'segmentCount = :count',
      'executionArn = :arn',
      '#status = :running',
      'updatedAt = :now',
    ];
    expect.status.forEach((status, i) => {
      values[`:s${i}`] = status;
    });
    if (resume) {
      Object.assign(values, { ':options': resume.options, ':since': resume.since });
      sets.push('#options = :options', 'since = :since');
      names['#options'] = 'options';
    }
    const statusCheck = expect.status.map((_, i) => `#status = :s${i}`).join(' OR ');
    const wrote = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runRecordKey(runId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE completedAt`,
          // A retry of the same start finds the segment already its own.
          ConditionExpression: `fetches = :fetches AND ((${statusCheck}) OR executionArn = :arn)`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    if (wrote) return;
    const existing = await this.get(runId);
    throw new RunStateConflict(
      `run ${runId} cannot start segment ${segment}: it is ${existing?.status ?? 'missing'} at fetch ${existing?.fetches ?? '?'}, expected ${expect.status.join(' or ')} at fetch ${expect.fetches}`,
    );
  }

  /**
   * Checkpoints the cursor after a page was written. The condition refuses to move the
   * record backwards or to touch a run that is not running. A page the record is already
   * past, while the run is still running, is a retried invocation re-reading from the cursor
   * it was given: its checkpoint is left as it is, and that is no error.
   */
  async recordPage(runId: string, cursor: Cursor): Promise<void> {
    const wrote = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runRecordKey(runId),
          UpdateExpression:
            'SET #checkpoint = :cursor, pages = :pages, #items = :items, written = :written, restarts = :restarts, polls = :polls, waits = :waits, fetches = :fetches, updatedAt = :now',
          ConditionExpression: '#status = :running AND fetches <= :fetches',
          ExpressionAttributeNames: { '#checkpoint': 'checkpoint', '#items': 'items', '#status': 'status' },
          ExpressionAttributeValues: {
            ':cursor': cursor,
            ':pages': cursor.page,
            ':items': cursor.items,
            ':written': cursor.written,
            ':restarts': cursor.restarts,
            ':polls': cursor.polls,
            ':waits': cursor.waits,
            ':fetches': cursor.fetches,
            ':running': 'running',
            ':now': this.now().toISOString(),
          },
        }),
      ),
    );
    if (wrote) return;
    const existing = await this.get(runId);
    if (existing?.status === 'running' && existing.fetches >= cursor.fetches) return;
    throw new RunStateConflict(
      existing
        ? `run ${runId} did not accept page ${cursor.page}: it is ${existing.status} at fetch ${existing.fetches}, this page is fetch ${cursor.fetches}`
        : `run ${runId} has no run record`,
    );
  }

  /**
   * Records an ending the execution could not record itself (it was stopped, timed out, or
   * failed while the table was out of reach), keeping the checkpoint. Only a record that is
   * still `running` in `executionArn` changes: an ending already recorded, or a run another
   * execution has taken over since, is left alone. Returns whether the record changed.
   */
  async recordExternalEnding(
    runId: string,
    executionArn: string,
    status: ExternalEnding,
    lastError: { error: string; message: string },
  ): Promise<boolean> {
    return recordEndingWhileRunning(
      { client: this.client, tableName: this.tableName, key: runRecordKey(runId) },
      { executionArn, status, lastError, at: this.now() },
    );
  }

  /** Marks the run finished (succeeded, caught up or stopped at a limit) with the final cursor. */
  async complete(
    runId: string,
    status: 'succeeded' | 'caughtUp' | 'stoppedAtLimit',
    cursor: Cursor,
  ): Promise<void> {
    await this.finish(runId, status, cursor, undefined);
  }

  /** Marks the run failed, keeping the last good checkpoint for resume. */
  async fail(runId: string, lastError: { error: string; message: string }): Promise<void> {
    await this.finish(runId, 'failed', undefined, lastError);
  }

  private async finish(
    runId: string,
    status: RunStatus,
    cursor: Cursor | undefined,
    lastError: { error: string; message: string } | undefined,
  ): Promise<void> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':status': status, ':now': this.now().toISOString() };
    const sets = ['#status = :status', 'updatedAt = :now', 'completedAt = :now'];
    if (cursor) {
      Object.assign(names, { '#items': 'items', '#checkpoint': 'checkpoint' });
      Object.assign(values, {
        ':pages': cursor.page,
        ':items': cursor.items,
        ':restarts': cursor.restarts,
        ':polls': cursor.polls,
        ':waits': cursor.waits,
        ':checkpoint': cursor,
      });
      sets.push(
        'pages = :pages',
        '#items = :items',
        'restarts = :restarts',
        'polls = :polls',
        'waits = :waits',
        '#checkpoint = :checkpoint',
      );
    }
    if (lastError) {
      values[':lastError'] = lastError;
      sets.push('lastError = :lastError');
    }
    const wrote = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runRecordKey(runId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    if (wrote) return;
    throw new RunStateConflict(`run ${runId} has no run record`);
  }
}
