import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Observability = typeof import('../../functions/lib/observability');

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** Everything written to stdout while `fn` runs: Powertools writes EMF and logs there. */
function captureStdout(fn: () => void): string[] {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  try {
    fn();
  } finally {
    write.mockRestore();
  }
  return lines;
}

/** A fresh copy of the module, so its buffers and the environment it read start clean. */
async function load(env: Record<string, string | undefined>): Promise<Observability> {
  vi.resetModules();
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return import('../../functions/lib/observability');
}

const ON_LAMBDA = {
  AWS_LAMBDA_FUNCTION_NAME: 'pagewalk-fetch-page',
  POWERTOOLS_DEV: undefined,
  POWERTOOLS_METRICS_DISABLED: undefined,
};

beforeEach(() => {
  // The developer's shell must not decide what these tests see.
  vi.stubEnv('POWERTOOLS_DEV', undefined);
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
  vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the metric helpers on Lambda', () => {
  it('emit one EMF line per source with PagesFetched, ItemsWritten and PageLatency', async () => {
    const o = await load(ON_LAMBDA);
    const lines = captureStdout(() => {
      o.recordPage({ source: 'glue.getJobRuns', items: 200, latencyMs: 143 });
      o.publishMetrics();
    });
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0] as string) as Emf;
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Pagewalk',
        Dimensions: [['service', 'source']],
        Metrics: [
          { Name: 'PagesFetched', Unit: 'Count' },
          { Name: 'ItemsWritten', Unit: 'Count' },
          { Name: 'PageLatency', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(emf).toMatchObject({
      service: 'pagewalk',
      source: 'glue.getJobRuns',
      PagesFetched: 1,
      ItemsWritten: 200,
      PageLatency: 143,
    });
  });

  it('count restarts and throttles under the source that had them', async () => {
    const o = await load(ON_LAMBDA);
    const lines = captureStdout(() => {
      o.recordRestart('marketplace.orders');
      o.recordThrottle('marketplace.orders');
      o.recordThrottle('glue.getJobRuns');
      o.publishMetrics();
    });
    const bySource = Object.fromEntries(
      lines.map((line) => JSON.parse(line) as Emf).map((emf) => [emf.source, emf]),
    );
    expect(Object.keys(bySource).sort()).toEqual(['glue.getJobRuns', 'marketplace.orders']);
    expect(bySource['marketplace.orders']).toMatchObject({ Restarts: 1, Throttles: 1 });
    expect(bySource['glue.getJobRuns']).toMatchObject({ Throttles: 1 });
    expect(bySource['glue.getJobRuns']).not.toHaveProperty('Restarts');
  });

  it('publish each measurement once, and nothing (not even a warning) when nothing was recorded', async () => {
    const o = await load(ON_LAMBDA);
    // Powertools warns through its own Console on stderr.
    const warnings = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const first = captureStdout(() => {
      o.recordPage({ source: 'glue.getJobRuns', items: 1, latencyMs: 5 });
      o.publishMetrics();
    });
    const second = captureStdout(() => o.publishMetrics());
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
    expect(warnings).not.toHaveBeenCalled();
  });

  it('write an invocation of 250 pages as lines of at most 99 pages, each carrying the level Lambda filters on', async () => {
    const o = await load({ ...ON_LAMBDA, AWS_LAMBDA_LOG_LEVEL: 'WARN' });
    const lines = captureStdout(() => {
      for (let page = 0; page < 250; page++)
        o.recordPage({ source: 'glue.getJobRuns', items: 200, latencyMs: 40 });
      o.publishMetrics();
    });
    const emf = lines.map((line) => JSON.parse(line) as Emf & { PagesFetched: number[]; level: string });
    expect(emf.map((line) => line.PagesFetched.length)).toEqual([99, 99, 52]);
    expect(emf.every((line) => line.level === 'WARN')).toBe(true);
  });

  it('stay quiet when POWERTOOLS_METRICS_DISABLED is true', async () => {
    const o = await load({ ...ON_LAMBDA, POWERTOOLS_METRICS_DISABLED: 'true' });
    const lines = captureStdout(() => {
      o.recordPage({ source: 'glue.getJobRuns', items: 1, latencyMs: 5 });
      o.publishMetrics();
    });
    expect(lines).toEqual([]);
  });
});

describe('the metric helpers off Lambda (tests, the local runtime)', () => {
  it('print nothing by default', async () => {
    const o = await load({});
    const lines = captureStdout(() => {
      o.recordPage({ source: 'glue.getJobRuns', items: 1, latencyMs: 5 });
      o.publishMetrics();
    });
    expect(lines).toEqual([]);
  });

  it('print nothing for an invocation of 250 pages either', async () => {
    const o = await load({});
    const lines = captureStdout(() => {
      for (let page = 0; page < 250; page++)
        o.recordPage({ source: 'glue.getJobRuns', items: 1, latencyMs: 5 });
      o.publishMetrics();
    });
    expect(lines).toEqual([]);
  });

  it('print EMF when POWERTOOLS_METRICS_DISABLED is false', async () => {
    const o = await load({ POWERTOOLS_METRICS_DISABLED: 'false' });
    const lines = captureStdout(() => {
      o.recordThrottle('glue.getJobRuns');
      o.publishMetrics();
    });
    expect(lines.map((line) => JSON.parse(line) as Emf).map((emf) => emf.Throttles)).toEqual([1]);
  });
});

describe('withRunContext', () => {
  it('adds the run id, source and page to every later log line', async () => {
    const o = await load({ ...ON_LAMBDA, POWERTOOLS_LOG_LEVEL: 'INFO' });
    const lines = captureStdout(() => {
      o.withRunContext('run-1', 'glue.getJobRuns', 3);
      o.logger.info('page written');
      o.withRunContext('run-2', 'marketplace.orders');
      o.logger.info('run started');
    });
    const [first, second] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({
      message: 'page written',
      service: 'pagewalk',
      runId: 'run-1',
      source: 'glue.getJobRuns',
      page: 3,
    });
    expect(second).toMatchObject({ message: 'run started', runId: 'run-2', source: 'marketplace.orders' });
    expect(second).not.toHaveProperty('page');
  });
});

/** Lambda's application log levels, lowest first. */
const LAMBDA_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/**
 * Lambda's documented filter for JSON-format logs: a line's `level` decides, and a line with
 * no (or an unknown) level counts as INFO. True when a function at `threshold` keeps `line`.
 */
function lambdaKeeps(line: string, threshold: string): boolean {
  let level = 'INFO';
  try {
    const parsed = JSON.parse(line) as { level?: unknown };
    const named = typeof parsed.level === 'string' ? parsed.level.toUpperCase() : undefined;
    if (named !== undefined && LAMBDA_LEVELS.includes(named)) level = named;
  } catch {
    // plain text counts as INFO
  }
  return LAMBDA_LEVELS.indexOf(level) >= LAMBDA_LEVELS.indexOf(threshold);
}

describe('the metrics at any application log level', () => {
  it.each(['TRACE', 'INFO', 'WARN', 'ERROR', 'FATAL'])(
    'pass Lambda’s log-level filter at %s, while the logger’s INFO lines are filtered as asked',
    async (threshold) => {
      const o = await load({ ...ON_LAMBDA, AWS_LAMBDA_LOG_LEVEL: threshold });
      const lines = captureStdout(() => {
        o.logger.info('page written');
        o.recordPage({ source: 'glue.getJobRuns', items: 7, latencyMs: 12 });
        o.publishMetrics();
      });
      const emf = lines.filter((line) => line.includes('"_aws"'));
      expect(emf).toHaveLength(1);
      expect(emf.every((line) => lambdaKeeps(line, threshold))).toBe(true);
      expect(JSON.parse(emf[0] as string)).toMatchObject({
        PagesFetched: 1,
        ItemsWritten: 7,
        level: LAMBDA_LEVELS.indexOf(threshold) > 2 ? threshold : 'INFO',
      });
      const infoLogs = lines.filter((line) => line.includes('page written'));
      expect(infoLogs).toHaveLength(LAMBDA_LEVELS.indexOf(threshold) <= 2 ? 1 : 0);
    },
  );
});

describe('the synthesized logging configuration', () => {
  it.each(['WARN', 'ERROR'] as const)(
    'at logLevel %s filters every function at that level in the JSON format and leaves metrics on, so the EMF lines (which state that level) are kept',
    async (logLevel) => {
      const { synth } = await import('./support');
      const { template } = synth({ logLevel });
      const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
        Properties: {
          LoggingConfig: Record<string, unknown>;
          Environment: { Variables: Record<string, unknown> };
        };
      }[];
      expect(functions.length).toBeGreaterThanOrEqual(4);
      for (const fn of functions) {
        expect(fn.Properties.LoggingConfig).toMatchObject({
          LogFormat: 'JSON',
          ApplicationLogLevel: logLevel,
        });
        const env = fn.Properties.Environment.Variables;
        expect(env).toMatchObject({
          POWERTOOLS_METRICS_NAMESPACE: 'Pagewalk',
          POWERTOOLS_LOG_LEVEL: logLevel,
        });
        expect(env).not.toHaveProperty('POWERTOOLS_METRICS_DISABLED');
        expect(env).not.toHaveProperty('POWERTOOLS_DEV');
      }
    },
  );
});

describe('withLambdaContext', () => {
  it('adds the request id and the cold-start flag to the log lines, and nothing without a context (the local engine)', async () => {
    const o = await load({ ...ON_LAMBDA, POWERTOOLS_LOG_LEVEL: 'INFO' });
    const context = {
      functionName: 'pagewalk-fetch-page',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:pagewalk-fetch-page',
      memoryLimitInMB: '256',
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    } as unknown as import('aws-lambda').Context;
    const lines = captureStdout(() => {
      o.withLambdaContext(context);
      o.logger.info('page written');
    });
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      cold_start: expect.any(Boolean),
      function_name: 'pagewalk-fetch-page',
    });

    const local = await load({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    const plain = captureStdout(() => {
      local.withLambdaContext(undefined);
      local.logger.info('page written');
    });
    expect(JSON.parse(plain[0] as string)).not.toHaveProperty('function_request_id');
  });
});
