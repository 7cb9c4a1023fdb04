/**
 * What every operation of the local endpoint shares: the registry of executions and machines, the request and response types on the wire, and the lookups
 * that answer as AWS answers (ARN checks, ExecutionDoesNotExist, StateMachineDoesNotExist).
 */
import { ProtocolError } from '../../aws-json';
import { EXECUTION_ARN, invalidArn, missing, STATE_MACHINE_ARN } from '../protocol';
import type { Entry, ExecutionRegistry, ServedMachine } from '../registry';
import type { ExecutionDescription } from '../store';

export interface OperationContext {
  readonly registry: ExecutionRegistry;
  /** When the endpoint started, in epoch milliseconds: the state machines' creation date. */
  readonly creationDate: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** A request as it arrives: the operation's input fields, none of them checked yet. */
export type Unchecked<Input> = { readonly [Field in keyof Input]?: unknown };

type WireValue<T> = T extends Date
  ? number
  : T extends readonly (infer Item)[]
    ? WireValue<Item>[]
    : T extends object
      ? Wire<T>
      : T;

/** A response as AWS JSON 1.0 sends it: the SDK's output shape with dates as epoch seconds. */
export type Wire<Output> = { [Field in keyof Output]: WireValue<Output[Field]> };

/** Epoch milliseconds as the wire's epoch seconds. */
export const seconds = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : ms / 1000;

/** The fields DescribeExecution and ListExecutions both answer with. */
export function executionSummary(d: ExecutionDescription) {
  return {
    executionArn: d.executionArn,
    stateMachineArn: d.stateMachineArn,
    name: d.name,
    status: d.status,
    startDate: seconds(d.startDate),
    stopDate: seconds(d.stopDate),
  };
}

/** The execution `arn` names, or the error AWS gives for it. */
export function lookupExecution(context: OperationContext, arn: unknown): Entry {
  if (typeof arn !== 'string' || arn === '') throw missing('executionArn');
  if (!EXECUTION_ARN.test(arn)) throw invalidArn(arn, 'execution');
  const entry = context.registry.get(arn);
  if (!entry) {
    throw new ProtocolError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  }
  return entry;
}

/** The served state machine `arn` names, or the error AWS gives for it. */
export function checkStateMachine(
  context: OperationContext,
  arn: unknown,
  field = 'stateMachineArn',
): ServedMachine {
  if (typeof arn !== 'string' || arn === '') throw missing(field);
  if (!STATE_MACHINE_ARN.test(arn)) throw invalidArn(arn, 'stateMachine');
  const served = context.registry.machineByArn(arn);
  if (!served) {
    throw new ProtocolError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  }
  return served;
}
