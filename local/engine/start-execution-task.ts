/**
 * The Step Functions service integrations the local engine serves itself:
 * `states:startExecution` (continue as new) and `states:startExecution.sync:2` (the all-jobs
 * sync waiting for each job's child execution), and finding the Task states they sit in.
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionTarget } from './types';

/** The Step Functions integration that starts another execution (continue as new). */
export const START_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';
/** The same, waiting for the execution to end and returning its DescribeExecution (Output as JSON). */
export const START_EXECUTION_SYNC_RESOURCE = 'arn:aws:states:::states:startExecution.sync:2';

export type TaskState = {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Retry?: unknown;
  readonly TimeoutSeconds?: number;
};

/** Every state of `type` by name, those inside Map and Parallel states included (names are unique per machine). */
export function statesOfType(states: Record<string, unknown>, type: string): Record<string, TaskState> {
  const found: Record<string, TaskState> = {};
  for (const [name, raw] of Object.entries(states)) {
    const state = raw as Record<string, unknown>;
    if (state.Type === type) found[name] = state as unknown as TaskState;
    const processors = [state.ItemProcessor, state.Iterator, ...((state.Branches as unknown[]) ?? [])];
    for (const processor of processors) {
      const nested = (processor as { States?: Record<string, unknown> } | undefined)?.States;
      if (nested) Object.assign(found, statesOfType(nested, type));
    }
  }
  return found;
}

/** What the Task passes to states:startExecution, after its Parameters are applied. */
interface StartExecutionRequest {
  readonly StateMachineArn?: string;
  readonly Name?: string;
  readonly Input?: unknown;
}

/** An error named as Step Functions names the service's errors in a Task. */
export function serviceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * Serves startExecution Tasks. With `waits` (`.sync:2`) it waits for the started execution to
 * end, as AWS does: that one execution, not the ones it continues as. It then returns what
 * DescribeExecution says with Input and Output as JSON, or fails with States.TaskFailed and
 * that description as the Cause when the execution did not succeed.
 */
export function startExecutionTask(
  resolve: ((arn: string | undefined) => ExecutionTarget | undefined) | undefined,
  waits: boolean,
) {
  return async (raw: unknown) => {
    const request = (raw ?? {}) as StartExecutionRequest;
    if (!resolve) {
      throw serviceError('StepFunctions.AccessDeniedException', 'this local run cannot start executions');
    }
    const machine = resolve(request.StateMachineArn);
    if (!machine) {
      throw serviceError(
        'StepFunctions.StateMachineDoesNotExistException',
        `State Machine Does Not Exist: '${request.StateMachineArn}'`,
      );
    }
    const input = typeof request.Input === 'string' ? JSON.parse(request.Input) : (request.Input ?? {});
    const execution = machine.start(request.Name ?? randomUUID(), input);
    if (!waits) return { ExecutionArn: execution.executionArn, StartDate: execution.startDate.toISOString() };
    const result = await execution.result;
    const described = {
      ExecutionArn: result.executionArn,
      StateMachineArn: machine.arn,
      Name: result.name,
      Status: result.status,
      StartDate: result.startedAt.toISOString(),
      StopDate: result.stoppedAt.toISOString(),
      Input: input,
      ...(result.status === 'SUCCEEDED' ? { Output: result.output ?? null } : {}),
      ...(result.error !== undefined ? { Error: result.error, Cause: result.cause } : {}),
    };
    if (result.status === 'SUCCEEDED') return described;
    const failure = serviceError('States.TaskFailed', JSON.stringify(described));
    throw failure;
  };
}
