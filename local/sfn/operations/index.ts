/**
 * The operations the local endpoint answers, one function each, by their X-Amz-Target name.
 * Executions the machine starts itself (continue as new) appear like any other.
 */
import type { OperationContext } from './context';
import { describeExecution, startExecution, stopExecution } from './executions';
import { getExecutionHistory } from './get-execution-history';
import { listExecutions } from './list-executions';
import {
  describeStateMachine,
  describeStateMachineForExecution,
  listStateMachines,
  listTagsForResource,
} from './state-machine';

export type { OperationContext } from './context';

type Operation = (context: OperationContext, request: Record<string, unknown>) => unknown;

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  ListStateMachines: listStateMachines,
  DescribeStateMachine: describeStateMachine,
  DescribeStateMachineForExecution: describeStateMachineForExecution,
  ListTagsForResource: listTagsForResource,
  StartExecution: startExecution,
  DescribeExecution: describeExecution,
  ListExecutions: listExecutions,
  GetExecutionHistory: getExecutionHistory,
  StopExecution: stopExecution,
};
