import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { CollectionBusy, LeaseLost } from '../errors';
import { conditionally, epochSeconds } from './conditions';
import { PARTITION_KEY, SORT_KEY } from './table-schema';

/** How long a lease lasts without renewal. */
export function leaseSeconds(pollIntervalSeconds: number): number {
  // Outlive the longest quiet stretch of a healthy run: a poll wait plus retries with backoff.
  return Math.max(900, 2 * pollIntervalSeconds + 600);
}

/**
 * A lease is renewed once this fraction of its lifetime has passed since this container last
 * renewed it, not on every page: two thirds of the lifetime are always left, and a page
 * costs no lease write on its critical path.
 */
export const LEASE_RENEWAL_FRACTION = 1 / 3;

/** Leases renewed by this container that it still remembers; a cold container renews at once. */
const REMEMBERED_RENEWALS = 100;

const leaseKey = (collection: string) => ({ [PARTITION_KEY]: `lease#${collection}`, [SORT_KEY]: 'lease' });

interface LeaseRow {
  runId: string;
  executionArn: string;
  expiresAt: number;
}

/**
 * One active run per collection: a lease row per collection naming the run that holds it.
 * It expires when its holder stops renewing it (the execution died), so a crashed run never
 * blocks the collection for good. `expiresAt` is also the table's TTL attribute.
 */
export class CollectionLeases {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** When this container last renewed a lease (epoch ms), by collection and run. */
  private readonly renewedAt = new Map<string, number>();

  /** Takes the lease for `runId`, or keeps it when the run already holds it. */
  async acquire(collection: string, runId: string, executionArn: string, seconds: number): Promise<void> {
    const now = this.now();
    const wrote = await conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...leaseKey(collection), runId, executionArn, expiresAt: epochSeconds(now) + seconds },
          ConditionExpression: 'attribute_not_exists(pk) OR runId = :runId OR expiresAt < :now',
          ExpressionAttributeValues: { ':runId': runId, ':now': epochSeconds(now) },
        }),
      ),
    );
    if (wrote) return;
    const holder = await this.holder(collection);
    throw new CollectionBusy(
      `${collection} is being drained by run ${holder?.runId ?? '?'} (execution ${holder?.executionArn ?? '?'}); one active run per collection. Wait for it to finish, or stop it and resume it later`,
    );
  }

  /**
   * Extends the lease (and moves it to `executionArn` when a new segment takes over);
   * fails with LeaseLost if another run took it after it expired.
   */
  async renew(collection: string, runId: string, seconds: number, executionArn?: string): Promise<void> {
    const values: Record<string, unknown> = {
      ':expiresAt': epochSeconds(this.now()) + seconds,
      ':runId': runId,
    };
    if (executionArn) values[':executionArn'] = executionArn;
    const wrote = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(collection),
          UpdateExpression: `SET expiresAt = :expiresAt${executionArn ? ', executionArn = :executionArn' : ''}`,
          ConditionExpression: 'runId = :runId',
          ExpressionAttributeValues: values,
        }),
      ),
    );
    if (wrote) return;
    const holder = await this.holder(collection);
    throw new LeaseLost(
      `run ${runId} no longer holds ${collection}: ${holder ? `run ${holder.runId} took it after it expired` : 'the lease is gone'}`,
    );
  }

  /**
   * Renews the lease only when {@link LEASE_RENEWAL_FRACTION} of its `seconds` have passed
   * since this container last renewed it (or it never did). Never renewing less often than
   * that is safe with many containers too: each one's last renewal is a lower bound of the
   * lease's expiry. Returns whether it renewed.
   */
  async renewIfDue(collection: string, runId: string, seconds: number): Promise<boolean> {
    const key = `${collection}\n${runId}`;
    const now = this.now().getTime();
    const last = this.renewedAt.get(key);
    if (last !== undefined && now - last < seconds * 1000 * LEASE_RENEWAL_FRACTION) return false;
    await this.renew(collection, runId, seconds);
    if (this.renewedAt.size >= REMEMBERED_RENEWALS) this.renewedAt.clear();
    this.renewedAt.set(key, now);
    return true;
  }

  /**
   * Gives the lease up; a lease another run holds is left alone. With `executionArn`, only
   * while that execution holds it (a reconcile of an old segment never frees a newer one's).
   * Returns whether a lease was released.
   */
  async release(collection: string, runId: string, executionArn?: string): Promise<boolean> {
    const wrote = await conditionally(
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: leaseKey(collection),
          ConditionExpression: executionArn ? 'runId = :runId AND executionArn = :arn' : 'runId = :runId',
          ExpressionAttributeValues: { ':runId': runId, ...(executionArn ? { ':arn': executionArn } : {}) },
        }),
      ),
    );
    return wrote;
  }

  /** The run holding the collection, if the lease has not expired. */
  async holder(collection: string): Promise<LeaseRow | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: leaseKey(collection), ConsistentRead: true }),
    );
    const row = out.Item as LeaseRow | undefined;
    return row && row.expiresAt >= epochSeconds(this.now()) ? row : undefined;
  }
}
