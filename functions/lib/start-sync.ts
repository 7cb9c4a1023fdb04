import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CollectionBusy } from './errors';
import { CollectionLeases } from './store/lease';
import { parseAllJobsInput, type SyncConfig } from './sync/all-jobs-config';
import { SyncRecords } from './sync/all-jobs-store';

/** How long the all-jobs lease lasts without renewal: every job that ends renews it. */
export const SYNC_LEASE_SECONDS = 3600;

/** The page of jobs the machine is on: `names` is what the Map iterates. */
export interface JobsCursor {
  /** The token for the next page of jobs; null before the first page and after the last. */
  readonly nextToken: string | null;
  readonly page: number;
  readonly names: ReadonlyArray<{ readonly name: string; readonly executionName: string }>;
}

/** What "Start sync" returns: the state every later state carries. */
export interface StartedSync {
  readonly startedAs: 'new' | 'skipped';
  readonly sync: SyncConfig;
  readonly jobs: JobsCursor;
  /** Why the sync did not start (startedAs `skipped`); nothing was written. */
  readonly skippedBecause?: string;
}

export interface StartSyncDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => Date;
}

/**
 * Begins an all-jobs sync: validates the input, takes the all-jobs lease (so a scheduled sync
 * is never doubled) and creates the sync record. A sync already running makes this one fail
 * with CollectionBusy, or, with `ifBusy: "skip"`, end as skipped having written nothing.
 */
export async function startSync(
  input: unknown,
  execution: { readonly id: string; readonly name: string },
  deps: StartSyncDeps,
): Promise<StartedSync> {
  const sync = parseAllJobsInput(input, execution.name);
  const leases = new CollectionLeases(deps.client, deps.tableName, deps.now);
  const jobs: JobsCursor = { nextToken: null, page: 0, names: [] };
  try {
    await leases.acquire(sync.collection, sync.runId, execution.id, SYNC_LEASE_SECONDS);
  } catch (error) {
    if (!(error instanceof CollectionBusy) || sync.options.ifBusy !== 'skip') throw error;
    return { startedAs: 'skipped', sync, jobs, skippedBecause: error.message };
  }
  await new SyncRecords(deps.client, deps.tableName, deps.now).create(sync, execution.id);
  return { startedAs: 'new', sync, jobs };
}
