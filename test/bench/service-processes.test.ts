import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { startDynamoProcess } from '../../bench/dynamo-process';
import { PARTITION_KEY, SORT_KEY } from '../../functions/lib/store/table-schema';
import { ensureTable } from '../../local/dynamodb';

const client = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves once `pid` is gone, polling; rejects after `ms`. */
async function gone(pid: number, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > until) throw new Error(`process ${pid} still runs ${ms} ms later`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A stand-in for the bench's parent: starts a dynalite and a Glue sandbox process, prints
 * their pids, and waits to be killed.
 */
async function benchStartingServices(): Promise<{ bench: ChildProcess; pids: number[] }> {
  const dir = fileURLToPath(new URL('../../bench/', import.meta.url));
  const code = `
    const { startDynamoProcess } = await import(${JSON.stringify(`${dir}dynamo-process.ts`)});
    const { startGlueProcess } = await import(${JSON.stringify(`${dir}glue-process.ts`)});
    const services = await Promise.all([startDynamoProcess(), startGlueProcess({ job: 1 }, 0)]);
    console.log(JSON.stringify(services.map((service) => service.pid)));
    setInterval(() => undefined, 1000);`;
  const bench = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(bench.stdout, 'data')) as [Buffer];
  return { bench, pids: JSON.parse(line.toString('utf8')) as number[] };
}

describe("a drain's dynalite process", () => {
  it('serves an empty DynamoDB on loopback, and is gone with its tables once closed', async () => {
    const dynamo = await startDynamoProcess();
    const dynamodb = client(dynamo.url);
    const documents = DynamoDBDocumentClient.from(dynamodb);
    try {
      expect(dynamo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      await ensureTable(dynamodb, 'drain');
      const key = { [PARTITION_KEY]: 'glue.getJobRuns#job', [SORT_KEY]: 'run-1' };
      await documents.send(new PutCommand({ TableName: 'drain', Item: key }));
      expect((await documents.send(new GetCommand({ TableName: 'drain', Key: key }))).Item).toEqual(key);
      expect(await dynamo.rssBytes()).toBeGreaterThan(10 * 2 ** 20);

      await dynamo.close();

      expect(alive(dynamo.pid)).toBe(false);
      await expect(dynamodb.send(new ListTablesCommand({}))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      dynamodb.destroy();
      await dynamo.close();
    }
  });
});

describe('the bench’s service processes', () => {
  it('end when the bench dies without closing them', async () => {
    const { bench, pids } = await benchStartingServices();
    try {
      expect(pids).toHaveLength(2);
      expect(pids.every(alive)).toBe(true);

      bench.kill('SIGKILL');

      for (const pid of pids) await gone(pid);
    } finally {
      // Left running only when the test fails: not by this test's hand.
      for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  });
});
