import { InvalidInput } from '../errors';
import { describe, isRecord, rejectUnknownKeys } from '../validate';
import type { SourceDescription } from './source';

/** The execution's `params` for Glue GetJobRuns. */
export interface GlueGetJobRunsParams {
  readonly JobName: string;
}

/** Glue job names: 1 to 255 characters, single line (Glue's NameString pattern). */
const JOB_NAME_PATTERN = /^[\u0020-\uD7FF\uE000-\uFFFD\uD800-\uDBFF\uDC00-\uDFFF\t]{1,255}$/;

/**
 * What an execution may ask of Glue `GetJobRuns` (one job's runs, at most 200 per page),
 * without the Glue client: start-run and the HTTP API validate input with this alone.
 */
export const glueGetJobRunsDescription: SourceDescription<GlueGetJobRunsParams> = {
  name: 'glue.getJobRuns',
  signal: 'tokenPresence',
  // MaxResults has been 1..200 since early 2024 (older SDKs allowed 1000).
  pageSize: { min: 1, max: 200, default: 200 },

  parseParams(params: unknown): GlueGetJobRunsParams {
    if (!isRecord(params)) {
      throw new InvalidInput(
        `params must be an object like {"JobName": "nightly-etl"}; got ${describe(params)}`,
      );
    }
    rejectUnknownKeys(params, ['JobName'], 'params.');
    const jobName = params.JobName;
    if (typeof jobName !== 'string' || !JOB_NAME_PATTERN.test(jobName)) {
      throw new InvalidInput(
        `params.JobName must be a Glue job name: a single-line string of 1 to 255 characters; got ${describe(jobName)}`,
      );
    }
    return { JobName: jobName };
  },

  collection(params) {
    return `glue.getJobRuns#${params.JobName}`;
  },
};
