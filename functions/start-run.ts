import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { requireEnv } from './lib/env';
import { InvalidInput } from './lib/errors';
import { retryCountOf } from './lib/history-budget';
import { logger, withLambdaContext, withRunContext } from './lib/observability';
import { parseStartInput } from './lib/run-config';
import { type StartedRun, startRun } from './lib/start-run';
import { documentClient } from './lib/store/dynamo';
import { sfnExecutionLookup } from './lib/takeover';
import { clientTimeouts } from './lib/timeouts';
import { isRecord } from './lib/validate';

const tableName = requireEnv('TABLE_NAME');
/** Asks whether the execution holding a lease still runs; the endpoint honours AWS_ENDPOINT_URL_SFN. */
const executions = sfnExecutionLookup(new SFNClient(clientTimeouts()));

/** What the "Start run" state passes: the raw execution input and the execution's identity. */
export interface StartRunEvent {
  readonly input: unknown;
  readonly execution: { readonly id: string; readonly name: string };
  /** `$$.State.RetryCount` of this attempt. */
  readonly retryCount?: number;
}

/**
 * Validates the execution input, then starts, continues or resumes the run. Invalid input
 * fails here, before anything is written, with an `InvalidInput` naming the field.
 */
export const handler = async (event: unknown, context?: Context): Promise<StartedRun> => {
  withLambdaContext(context);
  if (
    !isRecord(event) ||
    !isRecord(event.execution) ||
    typeof event.execution.name !== 'string' ||
    typeof event.execution.id !== 'string'
  ) {
    throw new InvalidInput(
      'the start-run event must carry the execution input and the execution id and name',
    );
  }
  const { input } = event;
  const execution = { id: event.execution.id, name: event.execution.name };
  try {
    const started = await startRun(
      parseStartInput(input, execution.name),
      { executionArn: execution.id, retryCount: retryCountOf(event.retryCount) },
      { client: documentClient, tableName, executions },
    );
    withRunContext(started.run.runId, started.run.source);
    logger.info('run started', {
      startedAs: started.startedAs,
      segment: started.run.segment,
      executionArn: execution.id,
    });
    return started;
  } catch (error) {
    logger.warn('run not started', { error: (error as Error).name, message: (error as Error).message });
    throw error;
  }
};
