import { requireEnv } from './lib/env';
import { logger } from './lib/observability';
import { parseReadJobRunEvent, readJobRun } from './lib/read-job-run';
import { documentClient } from './lib/store/dynamo';
import { CollectionLeases } from './lib/store/lease';
import { RunRecords } from './lib/store/run-record';
import { SyncRecords } from './lib/sync/all-jobs-store';

const tableName = requireEnv('TABLE_NAME');
const deps = {
  runs: new RunRecords(documentClient, tableName),
  syncs: new SyncRecords(documentClient, tableName),
  leases: new CollectionLeases(documentClient, tableName),
};

/** "Read job run": how one job's child run ended, recorded on the sync (see `readJobRun`). */
export const handler = async (raw: unknown) => {
  const event = parseReadJobRunEvent(raw);
  const outcome = await readJobRun(event, deps);
  logger.info('job run read', { job: event.job.name, status: outcome.status });
  return outcome;
};
