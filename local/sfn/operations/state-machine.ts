/** The operations about the one local state machine. */
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
import { LOCAL_ROLE_ARN, LOCAL_STATE_MACHINE_ARN, LOCAL_STATE_MACHINE_NAME } from '../../engine';
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
    stateMachines: [
      {
        stateMachineArn: LOCAL_STATE_MACHINE_ARN,
        name: LOCAL_STATE_MACHINE_NAME,
        type: 'STANDARD',
        creationDate: seconds(context.creationDate),
      },
    ],
  };
}

function description(context: OperationContext): Wire<DescribeStateMachineOutput> {
  return {
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    name: LOCAL_STATE_MACHINE_NAME,
    status: 'ACTIVE',
    definition: context.definition,
    roleArn: LOCAL_ROLE_ARN,
    type: 'STANDARD',
    creationDate: seconds(context.creationDate),
    loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    tracingConfiguration: { enabled: false },
    description: 'pagewalk on the local engine (aws-local-stepfunctions) with the real handlers',
  };
}

export function describeStateMachine(
  context: OperationContext,
  request: Unchecked<DescribeStateMachineInput>,
): Wire<DescribeStateMachineOutput> {
  checkStateMachine(request.stateMachineArn);
  return description(context);
}

export function describeStateMachineForExecution(
  context: OperationContext,
  request: Unchecked<DescribeStateMachineForExecutionInput>,
): Wire<DescribeStateMachineForExecutionOutput> {
  lookupExecution(context, request.executionArn);
  return { ...description(context), updateDate: seconds(context.creationDate) };
}

export function listTagsForResource(
  context: OperationContext,
  request: Unchecked<ListTagsForResourceInput>,
): Wire<ListTagsForResourceOutput> {
  checkStateMachine(request.resourceArn, 'resourceArn');
  return { tags: Object.entries(context.tags).map(([key, value]) => ({ key, value })) };
}
