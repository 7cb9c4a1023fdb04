import type { ListExecutionsInput, ListExecutionsOutput } from '@aws-sdk/client-sfn';
import { ProtocolError } from '../../aws-json';
import { pageSize, readToken, STATUSES, token, validation } from '../protocol';
import {
  checkStateMachine,
  executionSummary,
  type OperationContext,
  type Unchecked,
  type Wire,
} from './context';

/** Newest first, filtered by status, paged with an opaque token naming the last one returned. */
export function listExecutions(
  context: OperationContext,
  request: Unchecked<ListExecutionsInput>,
): Wire<ListExecutionsOutput> {
  if (request.mapRunArn !== undefined) {
    throw new ProtocolError('ValidationException', 'The local endpoint runs no Distributed Map');
  }
  const machine = checkStateMachine(context, request.stateMachineArn);
  const status = request.statusFilter;
  if (status !== undefined && !STATUSES.includes(status as string)) {
    throw validation('statusFilter', `Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
  }
  const limit = pageSize(request.maxResults);
  const after = readToken<{ s: number; n: string }>(request.nextToken, 'list');
  const newestFirst = context.registry
    .list(machine.arn)
    .filter((d) => status === undefined || d.status === status)
    .sort((a, b) => b.startDate - a.startDate || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const start = after
    ? newestFirst.findIndex((d) => d.startDate < after.s || (d.startDate === after.s && d.name < after.n))
    : 0;
  const page = start < 0 ? [] : newestFirst.slice(start, start + limit);
  const last = page[page.length - 1];
  const more = start >= 0 && start + limit < newestFirst.length;
  return {
    executions: page.map(executionSummary),
    ...(more && last ? { nextToken: token('list', { s: last.startDate, n: last.name }) } : {}),
  };
}
