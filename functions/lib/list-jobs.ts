import { type GlueClient, ListJobsCommand } from '@aws-sdk/client-glue';
import { InvalidInput } from './errors';
import { HISTORY_EVENT_BUDGET } from './history-budget';
import { mapAwsSdkError } from './sources/aws-errors';
import type { JobsCursor } from './start-sync';
import { SYNC_LEASE_SECONDS } from './start-sync';
import type { CollectionLeases } from './store/lease';
import {
  type IterationResult,
  pollEvents,
  SYNC_EVENTS_AT_START,
  SYNC_EVENTS_PER_JOB,
  SYNC_EVENTS_PER_PAGE,
  syncShouldContinueAsNew,
} from './sync/all-jobs-budget';
import { childExecutionName, continuedSyncName, type SyncConfig } from './sync/all-jobs-config';
import { isRecord } from './validate';

/** What "List jobs" passes: the cursor, with the results of the page of jobs before (the Map's). */
export interface ListJobsEvent {
  readonly sync: SyncConfig;
  readonly jobs: JobsCursor & { readonly done?: readonly IterationResult[] };
}

export interface ListJobsDeps {
  readonly glue: Pick<GlueClient, 'send'>;
  readonly leases: Pick<CollectionLeases, 'renew'>;
  /**
   * The deployed glueJobNames: then these are "all jobs", paged without calling Glue (and the
   * function has no glue:ListJobs). Undefined lists the account's jobs with ListJobs.
   */
  readonly allowedJobs?: readonly string[];
  /** History events an execution may reach before it hands over; tests pass a smaller one. @default HISTORY_EVENT_BUDGET */
  readonly historyBudget?: number;
}

/** Validates the event the state machine built; a malformed one is a bug in the ASL. */
export function parseListJobsEvent(event: unknown): ListJobsEvent {
  if (!isRecord(event) || !isRecord(event.sync) || !isRecord(event.jobs)) {
    throw new InvalidInput('the list-jobs event must carry sync and jobs objects');
  }
  return event as unknown as ListJobsEvent;
}

const CONFIGURED = 'configured:';

/**
 * One page of the jobs to sync, each with its child's execution name; the token says whether
 * there is another, and `continueAsNew` whether this execution hands over after it. Renews the
 * all-jobs lease, as every page is progress.
 */
export async function listJobsPage(event: ListJobsEvent, deps: ListJobsDeps): Promise<JobsCursor> {
  const { sync, jobs } = event;
  const size = sync.options.jobsPerPage;
  let names: string[];
  let nextToken: string | null;
  if (deps.allowedJobs) {
    const offset = jobs.nextToken?.startsWith(CONFIGURED)
      ? Number(jobs.nextToken.slice(CONFIGURED.length))
      : 0;
    names = deps.allowedJobs.slice(offset, offset + size);
    nextToken = offset + size < deps.allowedJobs.length ? `${CONFIGURED}${offset + size}` : null;
  } else {
    try {
      const out = await deps.glue.send(
        new ListJobsCommand({ MaxResults: size, NextToken: jobs.nextToken ?? undefined }),
      );
      names = out.JobNames ?? [];
      nextToken = out.NextToken ? out.NextToken : null;
    } catch (error) {
      throw mapAwsSdkError(error, false);
    }
  }
  await deps.leases.renew(sync.collection, sync.runId, SYNC_LEASE_SECONDS);
  const page = jobs.page + 1;
  const pagesHere = jobs.pagesHere + 1;
  // The looks at long runs of the page before are known only now, from the Map's results.
  const before = Number.isSafeInteger(jobs.historyEvents) ? jobs.historyEvents : SYNC_EVENTS_AT_START;
  const historyEvents =
    before + pollEvents(jobs.done) + SYNC_EVENTS_PER_PAGE + names.length * SYNC_EVENTS_PER_JOB;
  return {
    nextToken,
    page,
    pagesHere,
    historyEvents,
    continueAsNew: syncShouldContinueAsNew(
      { nextToken, pagesHere, historyEvents },
      sync.options,
      deps.historyBudget ?? HISTORY_EVENT_BUDGET,
    ),
    nextExecutionName: continuedSyncName(sync.runId, page),
    names: names.map((name) => ({ name, executionName: childExecutionName(sync.runId, name) })),
  };
}
