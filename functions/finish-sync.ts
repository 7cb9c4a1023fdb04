import { requireEnv } from './lib/env';
import { finishSync, parseFinishSyncEvent } from './lib/finish-sync';
import { logger } from './lib/observability';
import { documentClient } from './lib/store/dynamo';
import { CollectionLeases } from './lib/store/lease';
import { SyncRecords } from './lib/sync/all-jobs-store';

const tableName = requireEnv('TABLE_NAME');
const deps = {
  syncs: new SyncRecords(documentClient, tableName),
  leases: new CollectionLeases(documentClient, tableName),
};

/** "Record sync completion" and "Record sync failure" (see `finishSync`). */
export const handler = async (raw: unknown) => {
  const event = parseFinishSyncEvent(raw);
  const result = await finishSync(event, deps);
  if ('error' in result) logger.error('sync failed', { error: result.error, cause: result.cause });
  else logger.info('sync ended', { status: result.status, ...result.totals });
  return result;
};
