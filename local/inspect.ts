import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { type RunRecord, RunRecords } from '../functions/lib/store/run-record';
import { PARTITION_KEY, SORT_KEY } from '../functions/lib/store/table-schema';

/** Every item key stored for a collection, in table order (paginated Query, keys only). */
export async function collectionKeys(
  client: DynamoDBDocumentClient,
  tableName: string,
  collection: string,
): Promise<string[]> {
  const keys: string[] = [];
  await queryCollection(client, tableName, collection, { ProjectionExpression: '#sk' }, (out) => {
    for (const item of out.Items ?? []) keys.push(item[SORT_KEY] as string);
  });
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
  await queryCollection(client, tableName, collection, { Select: 'COUNT' }, (out) => {
    count += out.Count ?? 0;
  });
  return count;
}

/**
 * Queries every page of one collection (`#pk = collection`), handing each page to `onPage` as
 * it comes, so no caller holds more than one page. A projection may name the sort key `#sk`
 * (declared only then: DynamoDB refuses an attribute name no expression uses).
 */
async function queryCollection(
  client: DynamoDBDocumentClient,
  tableName: string,
  collection: string,
  extra: Pick<QueryCommandInput, 'ProjectionExpression' | 'Select'>,
  onPage: (out: QueryCommandOutput) => void,
): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :c',
        ExpressionAttributeNames: {
          '#pk': PARTITION_KEY,
          ...(extra.ProjectionExpression ? { '#sk': SORT_KEY } : {}),
        },
        ExpressionAttributeValues: { ':c': collection },
        ...extra,
        ExclusiveStartKey: start,
      }),
    );
    onPage(out);
    start = out.LastEvaluatedKey;
  } while (start);
}

/** The run record of `runId`, read consistently; undefined when there is none. */
export function readRunRecord(
  client: DynamoDBDocumentClient,
  tableName: string,
  runId: string,
): Promise<RunRecord | undefined> {
  return new RunRecords(client, tableName).get(runId);
}
