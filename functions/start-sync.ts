import { requireEnv } from './lib/env';
import { InvalidInput } from './lib/errors';
import { logger } from './lib/observability';
import { type StartedSync, startSync } from './lib/start-sync';
import { documentClient } from './lib/store/dynamo';
import { isRecord } from './lib/validate';

const tableName = requireEnv('TABLE_NAME');

/**
 * "Start sync" of the all-jobs state machine: validates the input, takes the all-jobs lease
 * and creates the sync record (see `startSync`).
 */
export const handler = async (event: unknown): Promise<StartedSync> => {
  if (!isRecord(event) || !isRecord(event.execution) || typeof event.execution.name !== 'string') {
    throw new InvalidInput('the start-sync event must carry the execution input and the execution name');
  }
  const execution = event.execution as { id: string; name: string };
  const started = await startSync(event.input, execution, { client: documentClient, tableName });
  logger.info('sync started', { runId: started.sync.runId, startedAs: started.startedAs });
  return started;
};
