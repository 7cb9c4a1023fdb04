/**
 * `npm run serve`: the local stack (dynalite on disk in .pagewalk/dynamodb, the sandbox
 * APIs) behind a long-running endpoint that speaks the Step Functions API, so runs are
 * started, watched and stopped with the `pagewalk` CLI, the AWS CLI or any SDK:
 *
 *   npm run serve
 *   export AWS_ENDPOINT_URL_SFN=http://127.0.0.1:8083
 *   npm run pagewalk -- start --job nightly-etl --watch
 *
 * Executions survive a restart (.pagewalk/executions); those running when the server
 * stops are recorded as ABORTED.
 */
import '../polyfills';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_STATE_MACHINE_ARN, loadPagewalkHandlers } from '../engine';
import { DEFAULT_GLUE_JOBS } from '../sandbox/glue';
import { DEFAULT_TABLE_NAME, MARKETPLACE_ENDPOINT_VARIABLE, startLocalStack } from '../stack';
import { DEFAULT_SFN_PORT, startSfnServer } from './server';
import { DYNAMODB_ENDPOINT_TAG, TABLE_TAG } from './tags';

const USAGE = `Usage: npm run serve -- [options]

  --port N              port of the Step Functions endpoint (default: ${DEFAULT_SFN_PORT}; 0 picks one)
  --host ADDRESS        interface to bind (default: 127.0.0.1)
  --data-dir DIR        where dynalite's data and the executions live (default: .pagewalk)
  --in-memory           keep DynamoDB data and executions in memory instead
  --table NAME          DynamoDB table (default: ${DEFAULT_TABLE_NAME})
  --latency-ms N        sandbox latency per call (default: 25)
  --throttle-rate R     share of sandbox Glue calls throttled, 0..1 (default: 0)
  --sandbox-job N=RUNS  serve one more Glue job with RUNS runs (repeatable), e.g. soak=20000
  --use-endpoint-variables  adopt AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_GLUE and
                        ${MARKETPLACE_ENDPOINT_VARIABLE} instead of starting embedded services
  -h, --help            show this help`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function numberArg(value: string | undefined, name: string, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    fail(`--${name} must be a number from ${min} to ${max}; got ${value}`);
  return n;
}

function parse() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        table: { type: 'string' },
        'latency-ms': { type: 'string' },
        'throttle-rate': { type: 'string' },
        'sandbox-job': { type: 'string', multiple: true },
        'use-endpoint-variables': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    fail((error as Error).message);
  }
}

async function main(): Promise<void> {
  const values = parse();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const dataDir = values['in-memory'] ? undefined : (values['data-dir'] ?? '.pagewalk');
  const jobs: Record<string, number> = { ...DEFAULT_GLUE_JOBS };
  for (const pair of values['sandbox-job'] ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) fail(`--sandbox-job must look like NAME=RUNS; got ${pair}`);
    jobs[pair.slice(0, at)] = numberArg(pair.slice(at + 1), 'sandbox-job', 0, 0, 10_000_000);
  }
  const latencyMs = numberArg(values['latency-ms'], 'latency-ms', 25, 0, 60_000);
  const port = numberArg(values.port, 'port', DEFAULT_SFN_PORT, 0, 65_535);

  // A shell that exported a previous server's endpoints must not make this one adopt dead ones.
  const stack = await startLocalStack({
    tableName: values.table,
    dataDir: dataDir ? join(dataDir, 'dynamodb') : undefined,
    glue: { jobs, latencyMs, throttleRate: numberArg(values['throttle-rate'], 'throttle-rate', 0, 0, 1) },
    marketplace: { latencyMs },
    honourEndpointVariables: values['use-endpoint-variables'] ?? false,
  });
  const server = await startSfnServer({
    handlers: await loadPagewalkHandlers(),
    port,
    host: values.host,
    dataDir: dataDir ? join(dataDir, 'executions') : undefined,
    tags: { [TABLE_TAG]: stack.tableName, [DYNAMODB_ENDPOINT_TAG]: stack.dynamoEndpoint },
    log: (line) => console.log(`${new Date().toISOString()}  ${line}`),
  }).catch(async (error: unknown) => {
    await stack.close();
    throw error;
  });

  console.log(`pagewalk: local Step Functions endpoint on ${server.url}`);
  console.log(`  state machine ${LOCAL_STATE_MACHINE_ARN}`);
  console.log(
    `  DynamoDB ${stack.dynamoEndpoint} (${stack.dynamoStartedHere ? `dynalite ${dataDir ? `in ${join(dataDir, 'dynamodb')}` : 'in memory'}` : 'AWS_ENDPOINT_URL_DYNAMODB'}), table ${stack.tableName}`,
  );
  console.log(`  Glue ${stack.glueEndpoint}   marketplace ${stack.marketplaceEndpoint}`);
  console.log(`  executions ${dataDir ? `kept in ${join(dataDir, 'executions')}` : 'kept in memory'}`);
  console.log(`
In another shell (the pagewalk CLI needs only the first line; it reads the rest from the endpoint):
  export AWS_ENDPOINT_URL_SFN=${server.url}
  export AWS_ENDPOINT_URL_DYNAMODB=${stack.dynamoEndpoint}   # changes on every restart
  export PAGEWALK_TABLE_NAME=${stack.tableName}
  export PAGEWALK_STATE_MACHINE_ARN=${LOCAL_STATE_MACHINE_ARN}
  npm run pagewalk -- start --job nightly-etl --watch
  aws stepfunctions list-executions --endpoint-url ${server.url} --region us-east-1 --state-machine-arn ${LOCAL_STATE_MACHINE_ARN}

Ctrl-C stops the server; running executions are recorded as ABORTED.
`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${signal}: stopping (running executions are recorded as ABORTED)...`);
    server
      .close()
      .then(() => stack.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    code === 'EADDRINUSE'
      ? `pagewalk: the port is in use (another npm run serve?); choose one with --port`
      : `pagewalk: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
