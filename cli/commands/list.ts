/** `pagewalk list`: the state machine's executions, newest first. */
import { type ExecutionListItem, type ExecutionStatus, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { type CliContext, CliError } from '../context';
import { columns, duration, time } from '../format';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

export interface ListOptions {
  readonly status?: string;
  /** @default 20 */
  readonly max?: number;
  readonly json?: boolean;
}

export async function list(ctx: CliContext, options: ListOptions): Promise<number> {
  const status = options.status?.toUpperCase();
  if (status && !STATUSES.includes(status)) {
    throw new CliError(`--status must be one of ${STATUSES.join(', ')}; got ${options.status}`, 2);
  }
  const max = options.max ?? 20;
  const stateMachineArn = await ctx.stateMachineArn();
  const executions: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn,
        statusFilter: status as ExecutionStatus | undefined,
        maxResults: Math.min(max - executions.length, 1000),
        nextToken,
      }),
    );
    executions.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && executions.length < max);

  if (options.json) {
    ctx.output.out(JSON.stringify(executions, null, 2));
    return 0;
  }
  if (executions.length === 0) {
    ctx.output.out(status ? `no ${status} executions` : 'no executions');
    return 0;
  }
  const now = ctx.now();
  const rows = executions.map((e) => [
    e.name ?? '',
    e.status ?? '',
    time(e.startDate),
    duration((e.stopDate?.getTime() ?? now) - (e.startDate?.getTime() ?? now)),
  ]);
  for (const line of columns([['NAME', 'STATUS', 'STARTED', 'DURATION'], ...rows])) ctx.output.out(line);
  if (nextToken) ctx.output.out(`(more: --max ${max * 2})`);
  return 0;
}
