/**
 * `pagewalk start` and `pagewalk resume <runId>`: StartExecution with the input the flags
 * describe; prints the execution ARN and the run id, then optionally watches.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { CliContext } from '../context';
import { type InputFlags, newRunInput, resumeInput } from '../input';
import { executionName } from '../runs';
import { watch } from './watch';

export interface StartOptions extends InputFlags {
  /** Execution name, which is the run id of a new run. @default a UUID, as Step Functions picks */
  readonly name?: string;
  readonly watch?: boolean;
  readonly interval?: number;
  /** Print `{"executionArn","runId","startDate"}` instead of text. */
  readonly json?: boolean;
}

export interface Started {
  readonly executionArn: string;
  readonly runId: string;
  readonly startDate?: Date;
}

/** Starts an execution with `input`; the run id is the execution name, or the run resumed. */
export async function startExecution(
  ctx: CliContext,
  input: unknown,
  name: string | undefined,
  resumedRunId?: string,
): Promise<Started> {
  const out = await ctx.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: await ctx.stateMachineArn(),
      name,
      input: JSON.stringify(input),
    }),
  );
  const executionArn = out.executionArn ?? '';
  return { executionArn, runId: resumedRunId ?? executionName(executionArn), startDate: out.startDate };
}

async function report(ctx: CliContext, started: Started, input: unknown, options: StartOptions) {
  if (options.json) {
    ctx.output.out(JSON.stringify(started));
  } else {
    ctx.output.out(`execution ${started.executionArn}`);
    ctx.output.out(`run id    ${started.runId}`);
    ctx.output.out(`input     ${JSON.stringify(input)}`);
    if (!options.watch) ctx.output.out(`watch it: pagewalk watch ${started.runId}`);
  }
  return options.watch ? watch(ctx, started.executionArn, { interval: options.interval }) : 0;
}

/** `pagewalk start`: a new run. */
export async function start(ctx: CliContext, options: StartOptions): Promise<number> {
  const input = newRunInput(options);
  return report(ctx, await startExecution(ctx, input, options.name), input, options);
}

/** `pagewalk resume <runId>`: continues a failed, caught-up or stopped run from its checkpoint. */
export async function resume(ctx: CliContext, runId: string, options: StartOptions): Promise<number> {
  const input = resumeInput(runId, options);
  return report(ctx, await startExecution(ctx, input, options.name, runId), input, options);
}
