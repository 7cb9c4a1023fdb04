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
import { numberArg, runCommand, SERVICE_FLAGS, sandboxOptions, serviceUsage } from '../cli-support';
import { LOCAL_STATE_MACHINE_ARN, loadPagewalkHandlers } from '../engine';
import { MARKETPLACE_ENDPOINT_VARIABLE, startLocalStack } from '../stack';
import { DEFAULT_SFN_PORT, startSfnServer } from './server';
import { DYNAMODB_ENDPOINT_TAG, TABLE_TAG } from './tags';

const USAGE = `Usage: npm run serve -- [options]

  --port N              port of the Step Functions endpoint (default: ${DEFAULT_SFN_PORT}; 0 picks one)
  --host ADDRESS        interface to bind (default: 127.0.0.1)
${serviceUsage("where dynalite's data and the executions live (default: .pagewalk)")}
  --use-endpoint-variables  adopt AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_GLUE and
                        ${MARKETPLACE_ENDPOINT_VARIABLE} instead of starting embedded services
  -h, --help            show this help`;

function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      ...SERVICE_FLAGS,
      'use-endpoint-variables': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

async function main(): Promise<undefined> {
  const values = parse();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const dataDir = values['in-memory'] ? undefined : (values['data-dir'] ?? '.pagewalk');
  const port = numberArg(values.port, 'port', DEFAULT_SFN_PORT, 0, 65_535);

  // A shell that exported a previous server's endpoints must not make this one adopt dead ones.
  const stack = await startLocalStack({
    tableName: values.table,
    dataDir: dataDir ? join(dataDir, 'dynamodb') : undefined,
    ...sandboxOptions(values),
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

  // Start run asks this endpoint (its own registry of executions) whether a lease holder still runs.
  process.env.AWS_ENDPOINT_URL_SFN = server.url;
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

// The server keeps running after main returns; it exits on SIGINT or SIGTERM.
runCommand(USAGE, main, (error) =>
  (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
    ? 'the port is in use (another npm run serve?); choose one with --port'
    : undefined,
);
