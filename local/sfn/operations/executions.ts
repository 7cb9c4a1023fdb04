/** The operations that start, describe and stop one execution. */
import { randomUUID } from 'node:crypto';
import type {
  DescribeExecutionInput,
  DescribeExecutionOutput,
  StartExecutionInput,
  StartExecutionOutput,
  StopExecutionInput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';
import { ProtocolError } from '../../aws-json';
import { EXECUTION_ALREADY_EXISTS } from '../../engine';
import { parseExecutionInput } from '../execution-input';
import { isValidName } from '../protocol';
import {
  checkStateMachine,
  executionSummary,
  lookupExecution,
  type OperationContext,
  seconds,
  type Unchecked,
  type Wire,
} from './context';

export function startExecution(
  context: OperationContext,
  request: Unchecked<StartExecutionInput>,
): Wire<StartExecutionOutput> {
  const machine = checkStateMachine(context, request.stateMachineArn);
  const name = request.name === undefined || request.name === null ? randomUUID() : request.name;
  if (typeof name !== 'string' || !isValidName(name)) {
    throw new ProtocolError('InvalidName', `Invalid Name: '${String(name)}'`);
  }
  const text = request.input === undefined || request.input === null ? '{}' : String(request.input);
  const input = parseExecutionInput(request.input);
  try {
    // The machine holds names unique (the same name and input while it runs is the same execution).
    const { description } = context.registry.start(machine.arn, name, input, text);
    return { executionArn: description.executionArn, startDate: seconds(description.startDate) };
  } catch (error) {
    if (error instanceof Error && error.name === EXECUTION_ALREADY_EXISTS) {
      throw new ProtocolError('ExecutionAlreadyExists', error.message);
    }
    throw error;
  }
}

export function describeExecution(
  context: OperationContext,
  request: Unchecked<DescribeExecutionInput>,
): Wire<DescribeExecutionOutput> {
  const d = lookupExecution(context, request.executionArn).description;
  return {
    ...executionSummary(d),
    input: d.input,
    inputDetails: { included: true },
    ...(d.output === undefined ? {} : { output: d.output, outputDetails: { included: true } }),
    error: d.error,
    cause: d.cause,
    redriveCount: 0,
    redriveStatus: 'NOT_REDRIVABLE',
    redriveStatusReason: 'The local endpoint does not redrive executions',
  };
}

export async function stopExecution(
  context: OperationContext,
  request: Unchecked<StopExecutionInput>,
): Promise<Wire<StopExecutionOutput>> {
  const entry = lookupExecution(context, request.executionArn);
  // As soon as this answers, the run is recorded stopped and its lease is free.
  await context.registry.stop(entry, {
    ...(typeof request.error === 'string' ? { error: request.error } : {}),
    ...(typeof request.cause === 'string' ? { cause: request.cause } : {}),
  });
  return { stopDate: seconds(entry.description.stopDate ?? Date.now()) };
}
