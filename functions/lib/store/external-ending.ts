import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally } from './conditions';

/** How an execution that could not record its own ending ended, as a run (or sync) record says it. */
export type ExternalEnding = 'stopped' | 'timedOut' | 'failed';

/** The record an ending is written to: a run record or an all-jobs sync record. */
export interface EndingTarget {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly key: Record<string, string>;
}

/**
 * Records an ending an execution could not record itself (stopped, timed out, or failed while
 * the table was out of reach) on the record at `target.key`, only while that record is still
 * `running` in `executionArn`: an ending already recorded, a late or repeated event, or a
 * record another execution has taken over since, is left alone. Returns whether it changed.
 */
export function recordEndingWhileRunning(
  target: EndingTarget,
  ending: {
    readonly executionArn: string;
    readonly status: ExternalEnding;
    readonly lastError: { readonly error: string; readonly message: string };
    readonly at: Date;
  },
): Promise<boolean> {
  return conditionally(
    target.client.send(
      new UpdateCommand({
        TableName: target.tableName,
        Key: target.key,
        UpdateExpression:
          'SET #status = :status, updatedAt = :now, completedAt = :now, lastError = :lastError',
        ConditionExpression: '#status = :running AND executionArn = :arn',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': ending.status,
          ':now': ending.at.toISOString(),
          ':lastError': ending.lastError,
          ':running': 'running',
          ':arn': ending.executionArn,
        },
      }),
    ),
  );
}
