/** The operations about the state machines the endpoint serves (pagewalk, and the all-jobs sync). */
import type {
  DescribeStateMachineForExecutionInput,
  DescribeStateMachineForExecutionOutput,
  DescribeStateMachineInput,
  DescribeStateMachineOutput,
  ListStateMachinesInput,
  ListStateMachinesOutput,
  ListTagsForResourceInput,
  ListTagsForResourceOutput,
} from '@aws-sdk/client-sfn';
import { LOCAL_ROLE_ARN } from '../../engine';
import type { ServedMachine } from '../registry';
import {
  checkStateMachine,
  lookupExecution,
  type OperationContext,
  seconds,
  type Unchecked,
  type Wire,
} from './context';

export function listStateMachines(
  context: OperationContext,
  _request: Unchecked<ListStateMachinesInput>,
): Wire<ListStateMachinesOutput> {
  return {
    stateMachines: context.registry.machines().map((m) => ({
      stateMachineArn: m.arn,
      name: m.name,
      type: 'STANDARD',
      creationDate: seconds(context.creationDate),
    })),
  };
}

function description(context: OperationContext, machine: ServedMachine): Wire<DescribeStateMachineOutput> {
  return {
    stateMachineArn: machine.arn,
    name: machine.name,
    status: 'ACTIVE',
    definition: machine.definition,
    roleArn: LOCAL_ROLE_ARN,
    type: 'STANDARD',
    creationDate: seconds(context.creationDate),
    loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    tracingConfiguration: { enabled: false },
    description: `${machine.name} on the local engine (aws-local-stepfunctions) with the real handlers`,
  };
}

export function describeStateMachine(
  context: OperationContext,
  request: Unchecked<DescribeStateMachineInput>,
): Wire<DescribeStateMachineOutput> {
  return description(context, checkStateMachine(context, request.stateMachineArn));
}

export function describeStateMachineForExecution(
  context: OperationContext,
  request: Unchecked<DescribeStateMachineForExecutionInput>,
): Wire<DescribeStateMachineForExecutionOutput> {
  const { stateMachineArn } = lookupExecution(context, request.executionArn).description;
  const machine = checkStateMachine(context, stateMachineArn);
  return { ...description(context, machine), updateDate: seconds(context.creationDate) };
}

export function listTagsForResource(
  context: OperationContext,
  request: Unchecked<ListTagsForResourceInput>,
): Wire<ListTagsForResourceOutput> {
  checkStateMachine(context, request.resourceArn, 'resourceArn');
  return { tags: Object.entries(context.tags).map(([key, value]) => ({ key, value })) };
}
