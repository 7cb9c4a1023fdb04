import { SFNClient } from '@aws-sdk/client-sfn';
import { requireEnv } from './lib/env';
import { InvalidInput } from './lib/errors';
import { logger } from './lib/observability';
import { type StartedSync, startSync } from './lib/start-sync';
import { documentClient } from './lib/store/dynamo';
import { sfnExecutionLookup } from './lib/takeover';
import { clientTimeouts } from './lib/timeouts';
import { isRecord } from './lib/validate';

const tableName = requireEnv('TABLE_NAME');
/** Asks whether the execution holding the all-jobs lease still runs; honours AWS_ENDPOINT_URL_SFN. */
const executions = sfnExecutionLookup(new SFNClient(clientTimeouts()));

/**
 * "Start sync" of the all-jobs state machine: validates the input, takes the all-jobs lease
 * (over from a holder that no longer runs) and creates the sync record (see `startSync`).
 */
export const handler = async (event: unknown): Promise<StartedSync> => {
  if (!isRecord(event) || !isRecord(event.execution) || typeof event.execution.name !== 'string') {
    throw new InvalidInput('the start-sync event must carry the execution input and the execution name');
  }
  const execution = event.execution as { id: string; name: string };
  const started = await startSync(event.input, execution, { client: documentClient, tableName, executions });
  logger.info('sync started', { runId: started.sync.runId, startedAs: started.startedAs });
  return started;
};
