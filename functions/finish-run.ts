import type { Context } from 'aws-lambda';
import { requireEnv } from './lib/env';
import { finishRun, parseFinishRunEvent, type RunFailure, type RunSummary } from './lib/finish-run';
import { logger, withLambdaContext, withRunContext } from './lib/observability';
import { documentClient } from './lib/store/dynamo';
import { CollectionLeases } from './lib/store/lease';
import { RunRecords } from './lib/store/run-record';
import { Watermarks } from './lib/sync/watermark';

const tableName = requireEnv('TABLE_NAME');
const deps = {
  runs: new RunRecords(documentClient, tableName),
  leases: new CollectionLeases(documentClient, tableName),
  watermarks: new Watermarks(documentClient, tableName),
};

/**
 * "Record completion" and "Record failure": records how the run ended and gives the
 * collection's lease back (see `finishRun`).
 */
export const handler = async (raw: unknown, context?: Context): Promise<RunSummary | RunFailure> => {
  withLambdaContext(context);
  const event = parseFinishRunEvent(raw);
  const { run, cursor } = event;
  withRunContext(run.runId, run.source);
  const result = await finishRun(event, deps);
  if ('error' in result) {
    logger.error('run failed', {
      error: result.error,
      cause: result.cause,
      pages: cursor.page,
      segment: run.segment,
    });
  } else {
    logger.info('run ended', {
      status: result.status,
      pages: cursor.page,
      items: cursor.items,
      segment: run.segment,
    });
  }
  return result;
};
