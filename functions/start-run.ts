import type { Context } from 'aws-lambda';
import { requireEnv } from './lib/env';
import { InvalidInput } from './lib/errors';
import { logger, withLambdaContext, withRunContext } from './lib/observability';
import { parseStartInput } from './lib/run-config';
import { type StartedRun, startRun } from './lib/start-run';
import { documentClient } from './lib/store/dynamo';
import { isRecord } from './lib/validate';

const tableName = requireEnv('TABLE_NAME');

/** What the "Start run" state passes: the raw execution input and the execution's identity. */
export interface StartRunEvent {
  readonly input: unknown;
  readonly execution: { readonly id: string; readonly name: string };
}

/**
 * Validates the execution input, then starts, continues or resumes the run. Invalid input
 * fails here, before anything is written, with an `InvalidInput` naming the field.
 */
export const handler = async (event: unknown, context?: Context): Promise<StartedRun> => {
  withLambdaContext(context);
  if (!isRecord(event) || !isRecord(event.execution) || typeof event.execution.name !== 'string') {
    throw new InvalidInput('the start-run event must carry the execution input and the execution name');
  }
  const { input, execution } = event as unknown as StartRunEvent;
  try {
    const started = await startRun(parseStartInput(input, execution.name), execution.id, {
      client: documentClient,
      tableName,
    });
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
