import { GlueClient } from '@aws-sdk/client-glue';
import { requireEnv } from './lib/env';
import { listJobsPage, parseListJobsEvent } from './lib/list-jobs';
import { logger } from './lib/observability';
import type { JobsCursor } from './lib/start-sync';
import { documentClient } from './lib/store/dynamo';
import { CollectionLeases } from './lib/store/lease';

/** Retries belong to the state machine, as for GetJobRuns (see lib/sources/aws-source.ts). */
const glue = new GlueClient({ maxAttempts: 1 });
const allowed = process.env.GLUE_JOB_NAMES;
const deps = {
  glue,
  leases: new CollectionLeases(documentClient, requireEnv('TABLE_NAME')),
  /** Set by the stack's glueJobNames: those jobs are "all jobs", and Glue is not asked. */
  allowedJobs: allowed ? allowed.split(',').filter((name) => name !== '') : undefined,
};

/** "List jobs": one page of job names with their child execution names (see `listJobsPage`). */
export const handler = async (raw: unknown): Promise<JobsCursor> => {
  const jobs = await listJobsPage(parseListJobsEvent(raw), deps);
  logger.info('jobs listed', { page: jobs.page, jobs: jobs.names.length, more: jobs.nextToken !== null });
  return jobs;
};
