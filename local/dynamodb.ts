import { mkdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { isErrorNamed } from '../functions/lib/errors';
import { PARTITION_KEY, SORT_KEY } from '../functions/lib/store/table-schema';
import { foreignRequest } from './loopback';

/** An embedded DynamoDB (dynalite) on loopback. */
export interface EmbeddedDynamo {
  readonly url: string;
  /** Where the data lives on disk; undefined when in memory. */
  readonly path?: string;
  close(): Promise<void>;
}

/** The async-iterator protocol's `return()`, on an abstract-level iterator: it closes it. */
function closeOnReturn(this: { close(): Promise<void> }): Promise<IteratorResult<never>> {
  return this.close().then(() => ({ done: true, value: undefined }));
}

/**
 * dynalite 4.0.0 ends every Query and Scan by calling `return()` on its abstract-level
 * iterator if it has one, and abstract-level's iterators have `close()` and no `return()`: so
 * none was ever closed. Each kept a LevelDB iterator and its snapshot open until the database
 * closed, some 25 KB of native memory and 3 KB of heap a Query: counting ten million items
 * (14,000 Query pages) or checking ten thousand jobs' collections held hundreds of MB. Giving
 * the iterators of the abstract-level copies dynalite loads (through level and memory-level) a
 * `return()` that closes them lets dynalite's own cleanup work. Returns how many were patched.
 */
export function closeDynaliteIterators(): number {
  let patched = 0;
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  for (const store of ['level', 'memory-level']) {
    let level: Record<string, { prototype?: object } | undefined>;
    try {
      level = createRequire(fromDynalite.resolve(store))('abstract-level');
    } catch {
      continue; // another layout: nothing to patch through this store
    }
    for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
      const prototype = level[name]?.prototype as Record<string, unknown> | undefined;
      if (!prototype || typeof prototype.close !== 'function' || 'return' in prototype) continue;
      Object.defineProperty(prototype, 'return', {
        value: closeOnReturn,
        configurable: true,
        writable: true,
      });
      patched += 1;
    }
  }
  return patched;
}

/** Starts dynalite on an ephemeral loopback port, in memory or in `path`. */
export async function startEmbeddedDynamo(
  options: { path?: string; port?: number } = {},
): Promise<EmbeddedDynamo> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  closeDynaliteIterators();
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // dynalite answers whatever reaches it: put the local servers' Host and Origin check in front.
  const answer = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const foreign = foreignRequest(req);
    if (!foreign) {
      for (const listener of answer) listener.call(server, req, res);
      return;
    }
    const body = JSON.stringify({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      message: foreign,
    });
    res.writeHead(403, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    path: options.path,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Creates the pagewalk table (same keys as the CDK stack) unless it exists, and waits until it is active. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && !isErrorNamed(error, 'ResourceNotFoundException')) {
      throw error;
    }
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: SORT_KEY, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: SORT_KEY, KeyType: 'RANGE' },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
}
