import { ArnFormat, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { KMS_KEY_ARN_PATTERN } from '../../functions/lib/sources/http-endpoint';

/** A KMS key ARN (not an alias: CloudWatch Logs and DynamoDB need the key itself). */
export const KMS_KEY_ARN = KMS_KEY_ARN_PATTERN;

/**
 * The customer managed key for the table, the log groups and the state machine (definition and
 * execution history), created with yearly automatic rotation. The key policy keeps the account's
 * default statement (IAM policies decide who may use it: the state machine's role gets
 * kms:Decrypt and kms:GenerateDataKey for its own encryption context) and lets CloudWatch Logs
 * use it for log groups of this account and Region only.
 */
export function createDataKey(scope: Construct, id: string, removalPolicy: RemovalPolicy): Key {
  const key = new Key(scope, id, {
    description: `pagewalk ${Stack.of(scope).stackName}: encrypts the items table, the log groups and the execution history`,
    enableKeyRotation: true,
    removalPolicy,
  });
  allowCloudWatchLogs(key);
  return key;
}

/**
 * Lets CloudWatch Logs encrypt and decrypt this account's log groups in this Region with `key`
 * (the statement AWS documents for encrypted log groups). An imported key's policy cannot be
 * changed from here: its owner must add the same statement before the log groups deploy.
 */
export function allowCloudWatchLogs(key: IKey): boolean {
  const stack = Stack.of(key);
  return key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
      // The Region's own service principal, in the stack's partition (logs.<region>.amazonaws.com.cn in aws-cn).
      principals: [new ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
      actions: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:DescribeKey',
      ],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  ).statementAdded;
}
