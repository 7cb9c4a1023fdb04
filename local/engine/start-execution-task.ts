import { randomUUID } from 'node:crypto';
import { LOCAL_STATE_MACHINE_ARN } from './definition';
import type { LocalStateMachine } from './machine';

/** The Step Functions integration that starts another execution (continue as new). */
export const START_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';

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

export function startExecutionTask(machine: LocalStateMachine | undefined) {
  return async (raw: unknown) => {
    const request = (raw ?? {}) as StartExecutionRequest;
    if (!machine) {
      throw serviceError('StepFunctions.AccessDeniedException', 'this local run cannot start executions');
    }
    if (request.StateMachineArn !== LOCAL_STATE_MACHINE_ARN) {
      throw serviceError(
        'StepFunctions.StateMachineDoesNotExistException',
        `State Machine Does Not Exist: '${request.StateMachineArn}'`,
      );
    }
    const input = typeof request.Input === 'string' ? JSON.parse(request.Input) : (request.Input ?? {});
    const execution = machine.start(request.Name ?? randomUUID(), input);
    return { ExecutionArn: execution.executionArn, StartDate: execution.startDate.toISOString() };
  };
}
