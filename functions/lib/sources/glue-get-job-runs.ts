import { GetJobRunsCommand, GlueClient, type JobRun } from '@aws-sdk/client-glue';
import { clientTimeouts, SOURCE_REQUEST_TIMEOUT_MS } from '../timeouts';
import { mapAwsSdkError } from './aws-errors';
import { type GlueGetJobRunsParams, glueGetJobRunsDescription } from './glue-get-job-runs-description';
import type { Source, SourcePage } from './source';

/**
 * Created once per container. `maxAttempts: 1` hands every retry to the state machine,
 * which backs off with full jitter while no Lambda is billed, and shows each retry in
 * the execution history instead of hiding it inside one long invocation. The hard request
 * timeout turns a stalled call into a retried `SourceTimeout` well before the function's own.
 */
const glue = new GlueClient({ maxAttempts: 1, ...clientTimeouts(SOURCE_REQUEST_TIMEOUT_MS) });

/** Glue's SDK returns Date objects; rows store ISO-8601 strings so they read back as written. */
function toPlain(run: JobRun): Record<string, unknown> {
  return JSON.parse(JSON.stringify(run)) as Record<string, unknown>;
}

function toPage(runs: JobRun[] | undefined, nextToken: string | undefined): SourcePage {
  return {
    items: (runs ?? []).map(toPlain),
    nextToken: nextToken ? nextToken : null,
    hasNext: null,
    moreResultsAvailable: null,
  };
}

/**
 * AWS Glue `GetJobRuns`: every run of one job, newest first, at most 200 per call.
 * More pages exist while a `NextToken` comes back.
 */
export const glueGetJobRuns: Source<GlueGetJobRunsParams> = {
  ...glueGetJobRunsDescription,

  async fetch({ params, pageSize, nextToken }) {
    const out = await glue.send(
      new GetJobRunsCommand({ JobName: params.JobName, MaxResults: pageSize, NextToken: nextToken }),
    );
    return toPage(out.JobRuns, out.NextToken);
  },

  itemKey(item) {
    const id = item.Id;
    if (typeof id !== 'string' || id === '') {
      throw new Error('Glue returned a job run without an Id');
    }
    return id;
  },

  mapError(error, call) {
    // Glue documents no token error: a rejected NextToken comes back as InvalidInputException,
    // which on a continuation call can only be the token (the other fields passed on the origin call).
    return mapAwsSdkError(error, call === 'continuation', ['InvalidInputException']);
  },
};
