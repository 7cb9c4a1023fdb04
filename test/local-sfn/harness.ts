import { randomUUID } from 'node:crypto';
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { DYNAMODB_ENDPOINT_TAG, TABLE_TAG } from '../../functions/lib/store/table-tags';
import {
  LOCAL_STATE_MACHINE_ARN,
  type LocalEvent,
  type LocalHandlers,
  loadPagewalkHandlers,
} from '../../local/engine';
import { reconcileLocally } from '../../local/runtime';
import type { GlueSandbox, GlueSandboxOptions } from '../../local/sandbox/glue';
import type { MarketplaceSandbox, MarketplaceSandboxOptions } from '../../local/sandbox/marketplace';
import type { S3SandboxOptions } from '../../local/sandbox/s3';
import { type SfnServer, startSfnServer } from '../../local/sfn/server';
import { type LocalStack, startLocalStack } from '../../local/stack';

/** Marketplaces the test sandbox knows, so tests can hold separate collections. */
export const MARKETPLACES = ['ATVPDKIKX0DER', 'A1PA6795UKMFR9', 'A1RKKUPIHCS9HS', 'A13V1IB3VIYZZH'] as const;

export interface HarnessOptions {
  readonly glue?: GlueSandboxOptions;
  readonly marketplace?: MarketplaceSandboxOptions;
  /** Start the local S3 (s3rver, the demo bucket) too. @default - no S3 */
  readonly s3?: S3SandboxOptions;
  /** Where the server keeps executions; in memory when omitted. */
  readonly dataDir?: string;
  readonly onEvent?: (event: LocalEvent, executionName: string) => void;
}

/**
 * The local stack (in-memory dynalite, sandboxes) behind a local Step Functions endpoint on
 * an ephemeral port, and a real SFNClient pointed at it. Retries wait 0 ms.
 */
export interface Harness {
  readonly stack: LocalStack;
  readonly glue: GlueSandbox;
  readonly marketplace: MarketplaceSandbox;
  server: SfnServer;
  sfn: SFNClient;
  /** Stops the endpoint and starts a new one on the same data folder, as a restart of `npm run serve` does. */
  restartServer(): Promise<void>;
  /** Polls DescribeExecution until the execution is no longer RUNNING. */
  waitForEnd(executionArn: string, timeoutMs?: number): Promise<DescribeExecutionOutput>;
  /** Polls until `predicate` holds for the execution's history. */
  waitForHistory(
    executionArn: string,
    predicate: (events: HistoryEvent[]) => boolean,
  ): Promise<HistoryEvent[]>;
  /** Every history event, oldest first, read 1,000 at a time. */
  history(executionArn: string): Promise<HistoryEvent[]>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const stack = await startLocalStack({
    tableName: `pagewalk-test-${randomUUID().slice(0, 8)}`,
    glue: options.glue,
    marketplace: { marketplaceIds: [...MARKETPLACES], ...options.marketplace },
    s3: options.s3,
    honourEndpointVariables: false,
  });
  let handlers: LocalHandlers | undefined;
  // A restart keeps the port, so AWS_ENDPOINT_URL_SFN (exported before the handlers load) stays true.
  const start = (port = 0) =>
    startSfnServer({
      handlers: async () => {
        handlers ??= await loadPagewalkHandlers();
        return handlers;
      },
      exportEndpoint: true,
      onEnded: reconcileLocally,
      port,
      retryDelayMs: 0,
      dataDir: options.dataDir,
      onEvent: options.onEvent,
      tags: { [TABLE_TAG]: stack.tableName, [DYNAMODB_ENDPOINT_TAG]: stack.dynamoEndpoint },
    });
  const client = (url: string) =>
    new SFNClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });

  const server = await start();
  const harness: Harness = {
    stack,
    glue: stack.glue as GlueSandbox,
    marketplace: stack.marketplace as MarketplaceSandbox,
    server,
    sfn: client(server.url),
    async restartServer() {
      await harness.server.close();
      harness.sfn.destroy();
      harness.server = await start(harness.server.port);
      harness.sfn = client(harness.server.url);
    },
    async waitForEnd(executionArn, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const out = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (out.status !== 'RUNNING') return out;
        if (Date.now() > until) throw new Error(`${executionArn} still running after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async waitForHistory(executionArn, predicate) {
      const until = Date.now() + 15_000;
      for (;;) {
        const events = await harness.history(executionArn);
        if (predicate(events)) return events;
        if (Date.now() > until) throw new Error(`history of ${executionArn} never matched`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async history(executionArn) {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await harness.sfn.send(
          new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return events;
    },
    async close() {
      harness.sfn.destroy();
      await harness.server.close();
      await stack.close();
    },
  };
  return harness;
}

/** An input that drains `orders` marketplace orders in pages of `pageSize`. */
export const ordersInput = (marketplaceId: string, pageSize = 20) => ({
  source: 'marketplace.orders',
  params: { MarketplaceId: marketplaceId },
  options: { pageSize },
});

/**
 * An input that reads the customer feed once, then waits an hour for more: an execution that
 * stays RUNNING (in "Wait for more results") until it is stopped.
 */
export const waitingInput = (marketplaceId: string) => ({
  source: 'marketplace.customers',
  params: { MarketplaceId: marketplaceId },
  options: { pollIntervalSeconds: 3600, maxPolls: 5 },
});

/** Whether the execution has reached the Wait state (so it will stay RUNNING). */
export const isWaiting = (events: HistoryEvent[]) => events.some((e) => e.type === 'WaitStateEntered');

/** A Glue input for the endpoint tests: one page per invocation, so every page is a state. */
export const glueInput = (
  JobName: string,
  options: Record<string, unknown> = { pageSize: 10, pagesPerInvocation: 1 },
) => ({
  source: 'glue.getJobRuns',
  params: { JobName },
  options,
});

/** StartExecution on an endpoint's client (a harness's, say), with the input as JSON. */
export const startOn =
  (endpoint: () => { readonly sfn: SFNClient }) => async (name: string | undefined, input: unknown) =>
    endpoint().sfn.send(
      new StartExecutionCommand({
        stateMachineArn: LOCAL_STATE_MACHINE_ARN,
        name,
        input: JSON.stringify(input),
      }),
    );

/** The SDK error a call rejects with, by name, message and HTTP status. */
export const failureOf = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => 'the call should have failed, but it succeeded',
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
  return { name, message, status: $metadata?.httpStatusCode };
};

/** A JSON text the endpoint returned, parsed. */
export const parse = (text: string | undefined) => JSON.parse(text ?? 'null') as Record<string, unknown>;

/** The sandboxes the endpoint API tests run against. */
export const ENDPOINT_TEST_SANDBOXES: HarnessOptions = {
  glue: { jobs: { tiny: 25, small: 50 } },
  marketplace: { orders: 60, customers: 30 },
};

/**
 * A harness for the calling test file: started before its tests, its sandboxes' counters
 * reset before each, closed after them. Returns the running harness.
 */
export function harnessForThisFile(options: HarnessOptions): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness(options);
  });
  afterAll(async () => harness?.close());
  beforeEach(() => {
    harness?.glue.resetStats();
    harness?.marketplace.resetStats();
  });
  return () => {
    if (!harness) throw new Error('the harness has not started yet');
    return harness;
  };
}
