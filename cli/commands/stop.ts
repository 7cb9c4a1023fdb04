/** `pagewalk stop <executionArn|runId>`: StopExecution (the execution ends ABORTED). */
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { CliContext } from '../context';
import { time } from '../format';
import { describe, readRunRecord, resolveExecution, runIdOf } from '../runs';

export interface StopOptions {
  readonly error?: string;
  readonly cause?: string;
  /** The command that resumes a run. @default `pagewalk resume <runId>` */
  readonly resumeCommand?: (runId: string) => string;
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
  // The run's ending is recorded by the reconcile step: at once on the local endpoint, within
  // seconds on AWS (EventBridge). Say what the record says now.
  const runId = record?.runId ?? runIdOf(executionArn, before.input);
  const after = await readRunRecord(ctx, runId).catch(() => undefined);
  const resume = (options.resumeCommand ?? ((id: string) => `pagewalk resume ${id}`))(runId);
  if (after?.status === 'running') {
    ctx.output.out(
      `run ${runId} keeps its checkpoint; it is recorded stopped once the reconcile handler hears of the stop (seconds); then resume it with: ${resume}`,
    );
  } else {
    ctx.output.out(
      `run ${runId} is recorded ${after?.status ?? 'stopped'} with its checkpoint; resume it with: ${resume}`,
    );
  }
  return 0;
}
