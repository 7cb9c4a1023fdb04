import type { Cursor } from './lib/cursor';
import { optionalIntegerEnv, requireEnv } from './lib/env';
import {
  logger,
  publishMetrics,
  recordPage,
  recordRestart,
  recordThrottle,
  withRunContext,
} from './lib/observability';
import { fetchAndStorePage, parseFetchPageEvent } from './lib/page-loop';
import { documentClient } from './lib/store/dynamo';

const tableName = requireEnv('TABLE_NAME');
/** Set by the stack's `itemTtlDays`: item rows then expire through the table's TTL. */
const itemTtlDays = optionalIntegerEnv('ITEM_TTL_DAYS', 1, 3650);

/** Error names of a throttled call; the state machine retries them, the metric counts them. */
const THROTTLES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'QuotaExceeded',
]);

/**
 * Fetches one page (origin, continuation or restart call), writes its items to DynamoDB
 * and returns the cursor only: the items never travel through the state machine.
 */
export const handler = async (raw: unknown): Promise<Cursor> => {
  const event = parseFetchPageEvent(raw);
  const { run, cursor } = event;
  withRunContext(run.runId, run.source, event.call === 'continuation' ? cursor.page + 1 : 1);
  const started = performance.now();
  try {
    if (event.call === 'restart') recordRestart(run.source);
    const next = await fetchAndStorePage(event, { client: documentClient, tableName, itemTtlDays });
    recordPage({
      source: run.source,
      items: next.written - cursor.written,
      latencyMs: performance.now() - started,
    });
    logger.info('page written', {
      call: event.call,
      items: next.written - cursor.written,
      itemsInPass: next.items,
      more: next.nextToken !== null,
      limit: next.limit,
    });
    return next;
  } catch (error) {
    const name = (error as Error).name;
    if (THROTTLES.has(name)) recordThrottle(run.source);
    logger.warn('page failed', { call: event.call, error: name, message: (error as Error).message });
    throw error;
  } finally {
    publishMetrics();
  }
};
