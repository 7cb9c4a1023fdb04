/**
 * `pagewalk start` and `pagewalk resume <runId>`: StartExecution with the input the flags
 * describe, then wait until the execution has passed "Start run" (where a refused or
 * invalid run fails), so the exit code says whether the run started; optionally watch it.
 */
import { GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { causeMessage } from '../../functions/lib/errors';
import { type CliContext, CliError } from '../context';
import { type InputFlags, newRunInput, resumeInput } from '../input';
import { describe, executionName } from '../runs';
import { type WatchOptions, watch } from './watch';

export interface StartOptions extends InputFlags, WatchOptions {
  /** Execution name, which is the run id of a new run. @default a UUID, as Step Functions picks */
  readonly name?: string;
  readonly watch?: boolean;
  /** Print `{"executionArn","runId","startDate"}` instead of text. */
  readonly json?: boolean;
  /** Called once the execution exists (e.g. so Ctrl-C can stop it). */
  readonly onStarted?: (started: Started) => void;
}

export interface Started {
  readonly executionArn: string;
  readonly runId: string;
  readonly startDate?: Date;
}

/** The state every execution starts in; its failure means the run was refused. */
const FIRST_STATE = 'Start run';

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

/**
 * Waits until the execution has left "Start run" (or ended), and throws a CliError with the
 * error and its cause when it failed there or before.
 */
export async function waitPastStartRun(ctx: CliContext, executionArn: string): Promise<void> {
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const execution = await describe(ctx, executionArn);
    if (execution.status === 'FAILED' || execution.status === 'TIMED_OUT' || execution.status === 'ABORTED') {
      throw new CliError(
        `the execution ${execution.status.toLowerCase()}: ${execution.error ?? 'no error given'}: ${causeMessage(execution.cause)}`,
      );
    }
    if (execution.status !== 'RUNNING') return;
    const history = await ctx.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 50 }));
    const passed = (history.events ?? []).some(
      (event) => event.type?.endsWith('StateExited') && event.stateExitedEventDetails?.name === FIRST_STATE,
    );
    if (passed) return;
    await ctx.sleep(delay);
  }
}

async function report(ctx: CliContext, started: Started, input: unknown, options: StartOptions) {
  options.onStarted?.(started);
  if (!options.json) {
    ctx.output.out(`execution ${started.executionArn}`);
    ctx.output.out(`run id    ${started.runId}`);
    ctx.output.out(`input     ${JSON.stringify(input)}`);
  }
  if (options.watch) return watch(ctx, started.executionArn, options);
  await waitPastStartRun(ctx, started.executionArn);
  if (options.json) ctx.output.out(JSON.stringify(started));
  else ctx.output.out(`started; watch it: pagewalk watch ${started.runId}`);
  return 0;
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
