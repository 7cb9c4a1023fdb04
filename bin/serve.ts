/**
 * `npm run serve`: the local runtime (dynalite, the sandbox APIs, the Step Functions
 * endpoint; see local/runtime.ts) as a long-running server, so runs are started, watched and
 * stopped with the `pagewalk` CLI, the AWS CLI or any SDK:
 *
 *   npm run serve
 *   export AWS_ENDPOINT_URL_SFN=http://127.0.0.1:8083
 *   npm run pagewalk -- start --job nightly-etl --watch
 *
 * It shares the data folder (default .pagewalk) with `npm start`: every execution either
 * starts is visible to both. Executions running when the server stops, or when its process
 * died, are recorded as ABORTED and their runs as stopped.
 */
import '../local/polyfills';
import { consoleRoutes } from '../console/routes';
import { DataFolderBusy } from '../local/data-lock';
import { ALL_JOBS_MACHINE, LOCAL_STATE_MACHINE_ARN, localStateMachineArn } from '../local/engine';
import { startLocalRuntime } from '../local/runtime';
import { DEFAULT_SFN_PORT } from '../local/sfn/server';
import {
  LWA_ENDPOINT_VARIABLE,
  MARKETPLACE_ENDPOINT_VARIABLE,
  SECRETS_MANAGER_ENDPOINT_VARIABLE,
  SPAPI_ENDPOINT_VARIABLE,
} from '../local/stack';
import {
  addServiceFlags,
  busyMessage,
  dataDirOf,
  localCommand,
  numberIn,
  runCommand,
  type ServiceFlags,
  sandboxOptions,
  sellingPartnerLines,
} from './local-command';

interface ServeFlags extends ServiceFlags {
  readonly port?: number;
  readonly host?: string;
  readonly useEndpointVariables?: boolean;
}

const program = addServiceFlags(
  localCommand('npm run serve --', 'the local Step Functions endpoint with the embedded services'),
)
  .option(
    '--port <n>',
    `port of the Step Functions endpoint (default: ${DEFAULT_SFN_PORT}; 0 picks one)`,
    numberIn(0, 65_535),
  )
  .option('--host <address>', 'loopback address to bind: 127.0.0.1 (default), ::1 or localhost')
  .option(
    '--use-endpoint-variables',
    `adopt AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_GLUE, ${SECRETS_MANAGER_ENDPOINT_VARIABLE}, ${MARKETPLACE_ENDPOINT_VARIABLE}, ${SPAPI_ENDPOINT_VARIABLE} and ${LWA_ENDPOINT_VARIABLE} instead of starting embedded services`,
  );

const ALL_JOBS_STATE_MACHINE_ARN = localStateMachineArn(ALL_JOBS_MACHINE.name);

const log = (line: string) => console.log(`${new Date().toISOString()}  ${line}`);

async function main(flags: ServeFlags): Promise<undefined> {
  const dataDir = dataDirOf(flags);
  // A shell that exported a previous server's endpoints must not make this one adopt dead ones.
  const runtime = await startLocalRuntime({
    command: 'npm run serve',
    dataDir,
    tableName: flags.table,
    port: flags.port ?? DEFAULT_SFN_PORT,
    host: flags.host,
    ...sandboxOptions(flags),
    honourEndpointVariables: flags.useEndpointVariables ?? false,
    log,
    routes: consoleRoutes,
  }).catch((error: unknown) => {
    if (error instanceof DataFolderBusy) {
      throw new Error(
        busyMessage(
          error,
          error.holder.endpoint ? `Use it: export AWS_ENDPOINT_URL_SFN=${error.holder.endpoint}.` : '',
        ),
      );
    }
    throw error;
  });
  const { stack, server } = runtime;
  server.registry.warmUp();

  console.log(`pagewalk: local Step Functions endpoint on ${server.url}`);
  console.log(
    `  console ${server.url}/  (open it in a browser: start executions, watch the graph, read the history)`,
  );
  console.log(
    `  run API ${server.url}/runs  (POST /runs, GET /runs/{runId}; unauthenticated, loopback only)`,
  );
  console.log(`  state machines ${LOCAL_STATE_MACHINE_ARN}`);
  console.log(`                 ${ALL_JOBS_STATE_MACHINE_ARN}`);
  console.log(
    `  DynamoDB ${stack.dynamoEndpoint} (${stack.dynamoStartedHere ? `dynalite ${dataDir ? `in ${dataDir}/dynamodb` : 'in memory'}` : 'AWS_ENDPOINT_URL_DYNAMODB'}), table ${stack.tableName}`,
  );
  console.log(`  Glue ${stack.glueEndpoint}   marketplace ${stack.marketplaceEndpoint}`);
  for (const line of sellingPartnerLines(stack)) console.log(line);
  console.log(
    `  data folder ${dataDir ?? '(in memory)'}; npm start on the same folder runs against this server`,
  );
  console.log(`
In another shell (the pagewalk CLI needs only this; it reads the rest from the endpoint):
  export AWS_ENDPOINT_URL_SFN=${server.url}
  npm run pagewalk -- start --job nightly-etl --watch
  aws stepfunctions list-executions --endpoint-url ${server.url} --region us-east-1 --state-machine-arn ${LOCAL_STATE_MACHINE_ARN}

Ctrl-C stops the server; running executions are recorded as ABORTED and their runs as stopped.
`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${signal}: stopping (running executions are recorded as ABORTED)...`);
    runtime.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`pagewalk: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return undefined;
}

// The server keeps running after main returns; it exits on SIGINT or SIGTERM.
runCommand(program, process.argv.slice(2), (options) => main(options as ServeFlags));
