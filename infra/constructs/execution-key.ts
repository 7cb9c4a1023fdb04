import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';

/**
 * What a caller of a Step Functions API needs on the customer managed key of the state machine
 * it calls, per API, as an AWS engineer who built the CDK feature listed it (review of
 * aws-samples/aws-stepfunctions-examples PR #74; not verified on AWS here). DescribeExecution
 * with `includedData: 'METADATA_ONLY'` (start-run's and start-sync's takeover) needs none;
 * with the input and output (what `startExecution.sync:2` returns of its child) it decrypts.
 */
export const EXECUTION_KEY_ACTIONS = {
  StartExecution: ['kms:GenerateDataKey', 'kms:Decrypt'],
  StopExecution: ['kms:Decrypt'],
  DescribeExecution: ['kms:Decrypt'],
} as const;

export type ExecutionApi = keyof typeof EXECUTION_KEY_ACTIONS;

/**
 * Lets `grantee` use `key` for the Step Functions APIs it calls on `stateMachine`, and only in
 * that state machine's encryption context (`kms:EncryptionContext:aws:states:stateMachineArn`).
 * Nothing without a key: the AWS owned key needs no grant. A state machine calling its own API
 * (continue as new) needs none either: CDK grants its role its own context already.
 */
export function grantExecutionKey(
  grantee: IGrantable,
  key: IKey | undefined,
  stateMachine: IStateMachine,
  apis: readonly ExecutionApi[],
): Grant | undefined {
  if (!key) return undefined;
  const actions = [...new Set(apis.flatMap((api) => EXECUTION_KEY_ACTIONS[api]))].sort();
  return Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [key.keyArn],
    conditions: {
      StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': stateMachine.stateMachineArn },
    },
  });
}
