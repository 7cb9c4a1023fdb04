import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { RunRecords } from '../../functions/lib/store/run-record';
import { ensureTable, startEmbeddedDynamo } from '../../local/dynamodb';

/** A fresh pagewalk table in an in-memory dynalite on loopback, for store tests. */
export interface TestTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startTestTable(): Promise<TestTable> {
  const dynamo = await startEmbeddedDynamo();
  const raw = new DynamoDBClient({
    endpoint: dynamo.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = `pagewalk-test-${randomUUID().slice(0, 8)}`;
  await ensureTable(raw, tableName);
  return {
    client: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
    endpoint: dynamo.url,
    close: async () => {
      raw.destroy();
      await dynamo.close();
    },
  };
}

/** The run-record and lease stores over a fresh test table (close it with `table.close()`). */
export async function openRunStores(): Promise<{
  readonly table: TestTable;
  readonly runs: RunRecords;
  readonly leases: CollectionLeases;
}> {
  const table = await startTestTable();
  return {
    table,
    runs: new RunRecords(table.client, table.tableName),
    leases: new CollectionLeases(table.client, table.tableName),
  };
}
