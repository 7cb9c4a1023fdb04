import type { GetExecutionHistoryInput } from '@aws-sdk/client-sfn';
import { ProtocolError } from '../../aws-json';
import { type HistoryEvent, toWireEvent } from '../history';
import { pageSize, readToken, token } from '../protocol';
import { lookupExecution, type OperationContext, type Unchecked } from './context';

/** The history events as `toWireEvent` writes them, and the token of the next page. */
export interface HistoryPage {
  readonly events: Record<string, unknown>[];
  readonly nextToken?: string;
}

/** One page of an execution's history, oldest or newest first, from its one source (see the registry). */
export function getExecutionHistory(
  context: OperationContext,
  request: Unchecked<GetExecutionHistoryInput>,
): HistoryPage {
  const entry = lookupExecution(context, request.executionArn);
  const reverse = request.reverseOrder === true;
  const includeData = request.includeExecutionData !== false;
  const limit = pageSize(request.maxResults);
  const after = readToken<{ id: number; r: boolean }>(request.nextToken, 'history');
  if (after && after.r !== reverse) {
    throw new ProtocolError('InvalidToken', `Invalid Token: 'reverseOrder differs from the first call'`);
  }
  const events = context.registry.history(entry);
  let page: readonly HistoryEvent[];
  if (reverse) {
    const end = after ? Math.max(after.id - 1, 0) : events.length;
    page = events.slice(Math.max(end - limit, 0), end).reverse();
  } else {
    const start = after ? after.id : 0;
    page = events.slice(start, start + limit);
  }
  const last = page[page.length - 1];
  const more = last !== undefined && (reverse ? last.id > 1 : last.id < events.length);
  return {
    events: page.map((event) => toWireEvent(event, includeData)),
    ...(more && last ? { nextToken: token('history', { id: last.id, r: reverse }) } : {}),
  };
}
