import type { Context } from 'aws-lambda';
import type { Cursor } from './lib/cursor';
import { optionalIntegerEnv, requireEnv } from './lib/env';
import { THROTTLE_ERROR_NAMES } from './lib/errors';
import { fetchAndStorePages, pageNumber, pageStores, parseFetchPageEvent } from './lib/fetch-page';
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

const errorName = (error: unknown) => (error instanceof Error ? error.name : 'Error');
const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Fetches pages (origin, continuation or restart call) until its budget, its page cap, a
 * limit or a signal for the state machine, writes their items to DynamoDB and returns the
 * cursor only: the items never travel through the state machine.
 */
export const handler = async (raw: unknown, context?: Context): Promise<Cursor> => {
  withLambdaContext(context);
  const event = parseFetchPageEvent(raw);
  const { run, cursor } = event;
  withRunContext(run.runId, run.source, pageNumber(event));
  try {
    if (event.call === 'restart') recordRestart(run.source);
    const next = await fetchAndStorePages(event, deps, {
      context,
      onPage: ({ items, latencyMs }) => recordPage({ source: run.source, items, latencyMs }),
      onDeferredError: (error) => {
        if (THROTTLE_ERROR_NAMES.has(errorName(error))) recordThrottle(run.source);
        logger.warn('page fetch left to the next invocation', {
          error: errorName(error),
          message: errorMessage(error),
        });
      },
    });
    logger.info('pages written', {
      call: event.call,
      pages: next.fetches - cursor.fetches,
      lastPage: next.page,
      items: next.written - cursor.written,
      itemsInPass: next.items,
      more: next.nextToken !== null,
      limit: next.limit,
    });
    return next;
  } catch (error) {
    const name = errorName(error);
    if (THROTTLE_ERROR_NAMES.has(name)) recordThrottle(run.source);
    logger.warn('page failed', { call: event.call, error: name, message: errorMessage(error) });
    throw error;
  } finally {
    publishMetrics();
  }
};
