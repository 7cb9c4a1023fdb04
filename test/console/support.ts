import { request as httpRequest } from 'node:http';
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll } from 'vitest';
import { consoleRoutes } from '../../console/routes';
import { ALL_JOBS_MACHINE, LOCAL_STATE_MACHINE_ARN, localStateMachineArn } from '../../local/engine';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import type { GlueSandbox } from '../../local/sandbox/glue';
import type { GlueSandboxOptions } from '../../local/sandbox/glue-types';
import type { MarketplaceSandboxOptions } from '../../local/sandbox/marketplace';

export const ALL_JOBS_ARN = localStateMachineArn(ALL_JOBS_MACHINE.name);

/** An HTTP answer: status, headers and the body as text. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/**
 * The local runtime as `npm run serve` composes it (in memory, the console mounted, retries
 * without waiting), a real SFNClient on it, and plain HTTP requests with any headers.
 */
export interface ConsoleHarness {
  readonly runtime: LocalRuntime;
  readonly url: string;
  readonly port: number;
  readonly glue: GlueSandbox;
  readonly sfn: SFNClient;
  /** A request with exactly these headers (Host included, which fetch cannot set). */
  request(
    method: string,
    path: string,
    options?: { headers?: Record<string, string>; body?: string },
  ): Promise<Answer>;
  /** GET a console API route, parsed (its shape is the route's; tests read what they assert on). */
  // biome-ignore lint/suspicious/noExplicitAny: each route answers its own JSON shape.
  api(path: string, query: Record<string, string | number>): Promise<{ status: number; body: any }>;
  start(name: string | undefined, input: unknown, stateMachineArn?: string): Promise<string>;
  waitForEnd(executionArn: string): Promise<DescribeExecutionOutput>;
}

export function consoleHarnessForThisFile(options: {
  glue?: GlueSandboxOptions;
  marketplace?: MarketplaceSandboxOptions;
}): () => ConsoleHarness {
  let harness: ConsoleHarness | undefined;
  beforeAll(async () => {
    const runtime = await startLocalRuntime({
      command: 'test',
      port: 0,
      glue: { latencyMs: 0, ...options.glue },
      marketplace: { latencyMs: 0, ...options.marketplace },
      honourEndpointVariables: false,
      retryDelayMs: 0,
      routes: consoleRoutes,
    });
    const { url, port } = runtime.server;
    const sfn = new SFNClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const request: ConsoleHarness['request'] = (method, path, { headers = {}, body } = {}) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    harness = {
      runtime,
      url,
      port,
      glue: runtime.stack.glue as GlueSandbox,
      sfn,
      request,
      async api(path, query) {
        const params = new URLSearchParams(
          Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
        );
        const answer = await request('GET', `/console/api/${path}?${params}`);
        return { status: answer.status, body: JSON.parse(answer.text) };
      },
      async start(name, input, stateMachineArn = LOCAL_STATE_MACHINE_ARN) {
        const out = await sfn.send(
          new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
        );
        return out.executionArn as string;
      },
      async waitForEnd(executionArn) {
        const until = Date.now() + 20_000;
        for (;;) {
          const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
          if (out.status !== 'RUNNING') return out;
          if (Date.now() > until) throw new Error(`${executionArn} still running`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
    };
  });
  afterAll(async () => {
    harness?.sfn.destroy();
    await harness?.runtime.close();
  });
  return () => {
    if (!harness) throw new Error('the console harness has not started yet');
    return harness;
  };
}
