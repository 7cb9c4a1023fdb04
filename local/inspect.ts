import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type RunRecord, RunRecords } from '../functions/lib/store/run-record';
import { PARTITION_KEY, SORT_KEY } from '../functions/lib/store/table-schema';

/** Every item key stored for a collection, in table order (paginated Query, keys only). */
export async function collectionKeys(
  client: DynamoDBDocumentClient,
  tableName: string,
  collection: string,
): Promise<string[]> {
  const keys: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :c',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: { ':c': collection },
        ProjectionExpression: '#sk',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) keys.push(item[SORT_KEY] as string);
    start = out.LastEvaluatedKey;
  } while (start);
  return keys;
}

/**
 * How many items a collection holds, counted by DynamoDB (paginated Query, `Select: COUNT`):
 * nothing is kept per item, so ten million are counted in flat memory.
 */
export async function countCollection(
  client: DynamoDBDocumentClient,
  tableName: string,
  collection: string,
): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :c',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':c': collection },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

/** The run record of `runId`, read consistently; undefined when there is none. */
export function readRunRecord(
  client: DynamoDBDocumentClient,
  tableName: string,
  runId: string,
): Promise<RunRecord | undefined> {
  return new RunRecords(client, tableName).get(runId);
}
