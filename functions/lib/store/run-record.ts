import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Cursor } from '../cursor';
import { RunStateConflict } from '../errors';
import type { RunConfig } from '../run-config';
import { runRecordKey } from './table-schema';

/**
 * `caughtUp`: the source said MoreResultsAvailable=false and polling reached its bound; the
 * checkpoint holds the token to continue from later.
 */
export type RunStatus = 'running' | 'succeeded' | 'caughtUp' | 'failed';

/** The run record as stored: one per run id, the place to look for progress and to resume from. */
export interface RunRecord {
  readonly runId: string;
  readonly status: RunStatus;
  readonly source: string;
  readonly params: Record<string, unknown>;
  readonly options: Record<string, unknown>;
  readonly collection: string;
  readonly executionArn: string;
  /** The cursor after the last page that was written: where a resumed run continues. */
  readonly checkpoint: Cursor;
  readonly pages: number;
  readonly items: number;
  readonly restarts: number;
  readonly polls: number;
  readonly fetches: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly completedAt?: string;
  readonly lastError?: { readonly error: string; readonly message: string };
}

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

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
  async create(config: RunConfig, collection: string, executionArn: string, cursor: Cursor): Promise<void> {
    const at = this.now().toISOString();
    const record: RunRecord = {
      runId: config.runId,
      status: 'running',
      source: config.source,
      params: config.params,
      options: { ...config.options },
      collection,
      executionArn,
      checkpoint: cursor,
      pages: 0,
      items: 0,
      restarts: 0,
      polls: 0,
      fetches: 0,
      startedAt: at,
      updatedAt: at,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runRecordKey(config.runId), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(config.runId);
      if (existing?.executionArn !== executionArn) {
        throw new RunStateConflict(
          `run ${config.runId} already exists, started by ${existing?.executionArn ?? 'another execution'}`,
        );
      }
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
   * Checkpoints the cursor after a page was written. The condition refuses to move the
   * record backwards (a late retry of an older page) or to touch a finished run.
   */
  async recordPage(runId: string, cursor: Cursor): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runRecordKey(runId),
          UpdateExpression:
            'SET #checkpoint = :cursor, pages = :pages, #items = :items, restarts = :restarts, polls = :polls, fetches = :fetches, updatedAt = :now',
          ConditionExpression: '#status = :running AND fetches <= :fetches',
          ExpressionAttributeNames: { '#checkpoint': 'checkpoint', '#items': 'items', '#status': 'status' },
          ExpressionAttributeValues: {
            ':cursor': cursor,
            ':pages': cursor.page,
            ':items': cursor.items,
            ':restarts': cursor.restarts,
            ':polls': cursor.polls,
            ':fetches': cursor.fetches,
            ':running': 'running',
            ':now': this.now().toISOString(),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(runId);
      throw new RunStateConflict(
        existing
          ? `run ${runId} did not accept page ${cursor.page}: it is ${existing.status} at fetch ${existing.fetches}, this page is fetch ${cursor.fetches}`
          : `run ${runId} has no run record`,
      );
    }
  }

  /** Marks the run finished (succeeded or caught up) with the final counters and cursor. */
  async complete(runId: string, status: 'succeeded' | 'caughtUp', cursor: Cursor): Promise<void> {
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
      Object.assign(names, { '#items': 'items' });
      Object.assign(values, { ':pages': cursor.page, ':items': cursor.items, ':restarts': cursor.restarts });
      Object.assign(values, { ':polls': cursor.polls, ':checkpoint': cursor });
      Object.assign(names, { '#checkpoint': 'checkpoint' });
      sets.push('pages = :pages', '#items = :items', 'restarts = :restarts', 'polls = :polls', '#checkpoint = :checkpoint');
    }
    if (lastError) {
      values[':lastError'] = lastError;
      sets.push('lastError = :lastError');
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runRecordKey(runId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new RunStateConflict(`run ${runId} has no run record`);
    }
  }
}
