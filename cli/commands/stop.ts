/** `pagewalk stop <executionArn|runId>`: StopExecution (the execution ends ABORTED). */
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { CliContext } from '../context';
import { time } from '../format';
import { describe, resolveExecution, runIdOf } from '../runs';

export interface StopOptions {
  readonly error?: string;
  readonly cause?: string;
}

export async function stop(ctx: CliContext, reference: string, options: StopOptions): Promise<number> {
  const { executionArn, record } = await resolveExecution(ctx, reference);
  const before = await describe(ctx, executionArn);
  if (before.status !== 'RUNNING') {
    ctx.output.out(`${executionArn} is not running (${before.status}); nothing to stop`);
    return 0;
  }
  const out = await ctx.sfn.send(
    new StopExecutionCommand({
      executionArn,
      error: options.error ?? 'pagewalk.Stopped',
      cause: options.cause ?? 'Stopped with pagewalk stop',
    }),
  );
  ctx.output.out(`stopped ${executionArn} at ${time(out.stopDate)}`);
  // The run record stays "running" and its collection lease lives until it expires.
  const runId = record?.runId ?? runIdOf(executionArn, before.input);
  ctx.output.out(
    `the run keeps its checkpoint; once its collection lease expires (15 minutes after the last page), resume it with: pagewalk resume ${runId}`,
  );
  return 0;
}
