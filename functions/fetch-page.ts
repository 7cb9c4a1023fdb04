import type { Context } from 'aws-lambda';
import type { Cursor } from './lib/cursor';
import { optionalIntegerEnv, requireEnv } from './lib/env';
import { THROTTLE_ERROR_NAMES } from './lib/errors';
import { fetchAndStorePage, pageNumber, pageStores, parseFetchPageEvent } from './lib/fetch-page';
import {
  logger,
  publishMetrics,
  recordPage,
  recordRestart,
  recordThrottle,
  withLambdaContext,
  withRunContext,
} from './lib/observability';
import { documentClient } from './lib/store/dynamo';

const deps = {
  ...pageStores(documentClient, requireEnv('TABLE_NAME')),
  /** Set by the stack's `itemTtlDays`: item rows then expire through the table's TTL. */
  itemTtlDays: optionalIntegerEnv('ITEM_TTL_DAYS', 1, 3650),
};

/**
 * Fetches one page (origin, continuation or restart call), writes its items to DynamoDB
 * and returns the cursor only: the items never travel through the state machine.
 */
export const handler = async (raw: unknown, context?: Context): Promise<Cursor> => {
  withLambdaContext(context);
  const event = parseFetchPageEvent(raw);
  const { run, cursor } = event;
  withRunContext(run.runId, run.source, pageNumber(event));
  const started = performance.now();
  try {
    if (event.call === 'restart') recordRestart(run.source);
    const next = await fetchAndStorePage(event, deps);
    const items = next.written - cursor.written;
    recordPage({ source: run.source, items, latencyMs: performance.now() - started });
    logger.info('page written', {
      call: event.call,
      items,
      itemsInPass: next.items,
      more: next.nextToken !== null,
      limit: next.limit,
    });
    return next;
  } catch (error) {
    const name = (error as Error).name;
    if (THROTTLE_ERROR_NAMES.has(name)) recordThrottle(run.source);
    logger.warn('page failed', { call: event.call, error: name, message: (error as Error).message });
    throw error;
  } finally {
    publishMetrics();
  }
};
