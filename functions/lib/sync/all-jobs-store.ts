import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RunStateConflict } from '../errors';
import { conditionally } from '../store/conditions';
import { recordEndingWhileRunning } from '../store/external-ending';
import type { ExternalEnding, RunStatus } from '../store/run-record';
import { PARTITION_KEY, SORT_KEY } from '../store/table-schema';
import type { SyncConfig } from './all-jobs-config';

/**
 * - `running`: the sync's execution is running.
 * - `succeeded`: every job's run ended without an error.
 * - `partial`: some jobs' runs failed; the others are synced.
 * - `failed`: listing the jobs failed, or every job's run did, or the execution failed
 *   without recording it (the reconcile step or the next start's takeover recorded it).
 * - `stopped`, `timedOut`: the execution was stopped or timed out (recorded the same way); the
 *   job rows say which jobs were synced before.
 */
export type SyncStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'stopped' | 'timedOut';
/** How a sync the state machine summed up ended: `finish` writes these. */
export type FinishedSyncStatus = 'succeeded' | 'partial' | 'failed';

/** How one job's run ended, as the sync records it. */
export interface JobOutcome {
  readonly job: string;
  readonly executionName: string;
  /** The run's status, or `skipped` (its collection was busy), or `failed` when it never started. */
  readonly status: Exclude<RunStatus, 'running'> | 'skipped';
  /** Runs read (items written in the run's final pass) and pages. */
  readonly items: number;
  readonly pages: number;
  readonly error?: { readonly error: string; readonly message: string };
}

/** The sync record: one per all-jobs sync. */
export interface SyncRecord {
  readonly runId: string;
  readonly status: SyncStatus;
  readonly options: SyncConfig['options'];
  /** What a continued execution of the sync carries on with. */
  readonly config: SyncConfig;
  /** The execution running the sync now (or last). */
  readonly executionArn: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly completedAt?: string;
  readonly totals?: SyncTotals;
  readonly lastError?: { readonly error: string; readonly message: string };
}

/** What a sync adds up over its jobs. */
export interface SyncTotals {
  readonly jobs: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly items: number;
  readonly pages: number;
}

const partition = (runId: string) => `sync-run#${runId}`;
const recordKey = (runId: string) => ({ [PARTITION_KEY]: partition(runId), [SORT_KEY]: 'sync' });
const jobKey = (runId: string, job: string) => ({
  [PARTITION_KEY]: partition(runId),
  [SORT_KEY]: `job#${job}`,
});

/**
 * The records of all-jobs syncs: `sync-run#<runId>` holds the sync record (`sync`) and a row
 * per job (`job#<name>`), so a sync over thousands of jobs never outgrows one 400 KB item.
 */
export class SyncRecords {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates the sync record; a retry of the same execution finds its own and succeeds. */
  async create(config: SyncConfig, executionArn: string): Promise<void> {
    const at = this.now().toISOString();
    const record: SyncRecord = {
      runId: config.runId,
      status: 'running',
      options: config.options,
      config,
      executionArn,
      startedAt: at,
      updatedAt: at,
    };
    const wrote = await conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...recordKey(config.runId), ...record },
          ConditionExpression: 'attribute_not_exists(pk) OR executionArn = :arn',
          ExpressionAttributeValues: { ':arn': executionArn },
        }),
      ),
    );
    if (wrote) return;
    throw new RunStateConflict(`sync ${config.runId} already exists, started by another execution`);
  }

  async get(runId: string): Promise<SyncRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: recordKey(runId), ConsistentRead: true }),
    );
    return out.Item as SyncRecord | undefined;
  }

  /**
   * Hands a running sync to the execution that continues it; a retry of the same hand-over
   * finds it done.
   */
  async handOver(runId: string, from: string, to: string): Promise<void> {
    const wrote = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: recordKey(runId),
          UpdateExpression: 'SET executionArn = :to, updatedAt = :now',
          ConditionExpression: '#status = :running AND (executionArn = :from OR executionArn = :to)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':to': to,
            ':from': from,
            ':running': 'running',
            ':now': this.now().toISOString(),
          },
        }),
      ),
    );
    if (wrote) return;
    throw new RunStateConflict(`sync ${runId} is no longer running in ${from}`);
  }

  /** Records how a job's run ended; a retry writes the same row again. */
  async recordJob(runId: string, outcome: JobOutcome): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...jobKey(runId, outcome.job), ...outcome } }),
    );
  }

  /** Every job's outcome, in name order. */
  async jobs(runId: string): Promise<JobOutcome[]> {
    const jobs: JobOutcome[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :job)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':pk': partition(runId), ':job': 'job#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const { [PARTITION_KEY]: _pk, [SORT_KEY]: _sk, ...row } of out.Items ?? []) {
        jobs.push(row as unknown as JobOutcome);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return jobs;
  }

  /**
   * Records an ending the sync's execution could not record itself (stopped, timed out, or
   * failed before Record sync failure). Only a record still `running` in `executionArn`
   * changes, so a late or repeated event, or one for a segment that handed over, is a no-op.
   * Returns whether the record changed.
   */
  async recordExternalEnding(
    runId: string,
    executionArn: string,
    status: ExternalEnding,
    lastError: { error: string; message: string },
  ): Promise<boolean> {
    return recordEndingWhileRunning(
      { client: this.client, tableName: this.tableName, key: recordKey(runId) },
      { executionArn, status, lastError, at: this.now() },
    );
  }

  /** Marks the sync ended with its totals (or its error). */
  async finish(
    runId: string,
    status: FinishedSyncStatus,
    totals: SyncTotals,
    lastError?: { error: string; message: string },
  ): Promise<void> {
    const now = this.now().toISOString();
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: recordKey(runId),
        UpdateExpression: `SET #status = :status, totals = :totals, updatedAt = :now, completedAt = :now${lastError ? ', lastError = :lastError' : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':totals': totals,
          ':now': now,
          ...(lastError ? { ':lastError': lastError } : {}),
        },
      }),
    );
  }
}
