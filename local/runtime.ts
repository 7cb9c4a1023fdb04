/**
 * The one local runtime behind `npm start` and `npm run serve`: the embedded services
 * (dynalite, the sandboxes) and the local Step Functions endpoint, in one process, on one
 * data folder (default `.pagewalk/`):
 *
 *   .pagewalk/lock.json              which process holds the folder, and its endpoints
 *   .pagewalk/dynamodb/              dynalite's data
 *   .pagewalk/executions/            every execution and its history
 *   .pagewalk/sandbox-token-secret   what the sandboxes sign their tokens with
 *   .pagewalk/s3/                    the local S3's buckets (s3rver; the demo bucket seeded once)
 *   .pagewalk/sandbox-lwa-credentials.json   the LWA client id, secret and refresh token the
 *                                    local LWA accepts and the local Secrets Manager serves
 *
 * The endpoint serves the pagewalk and the all-jobs state machines, the stack's run API
 * (`POST /runs`, `GET /runs/{runId}`, ./run-api.ts) and whatever the caller mounts beside them
 * (`npm start` and `npm run serve` mount the console, console/).
 *
 * Every execution ending the state machine could not record (a stop, a failure, a crash of
 * the process) goes to the reconcile handler, as the EventBridge rule sends it on AWS.
 */
import { join } from 'node:path';
import { definitionsDir } from '../functions/lib/sources/catalog';
import { isAwsDefinition } from '../functions/lib/sources/definition';
import { DYNAMODB_ENDPOINT_TAG, TABLE_TAG } from '../functions/lib/store/table-tags';
import { checkAgainstSdk } from '../schema/aws-sdk-check';
import { checkDefinitionsDir } from '../schema/definitions';
import { loadAllJobsHandlers } from './all-jobs';
import type { Route } from './aws-json';
import { acquireDataLock, type DataLock, type DataLockInfo } from './data-lock';
import { type LocalEvent, loadPagewalkHandlers } from './engine';
import { runApiRoute } from './run-api';
import type { GlueSandboxOptions } from './sandbox/glue';
import { sandboxLwaCredentials } from './sandbox/lwa-credentials';
import type { MarketplaceSandboxOptions } from './sandbox/marketplace';
import { sandboxTokenSecret } from './sandbox/token-secret';
import { type MountContext, type SfnServer, startSfnServer } from './sfn/server';
import type { ExecutionDescription } from './sfn/store';
import { type LocalStack, S3_ENDPOINT_VARIABLE, type SellingPartnerOptions, startLocalStack } from './stack';

/** The data folder both commands use unless told otherwise. */
export const DEFAULT_DATA_DIR = '.pagewalk';

export interface LocalRuntimeOptions {
  /** `npm start` or `npm run serve`, for the lock file. */
  readonly command: string;
  /** The data folder; in memory (no lock, nothing kept) when undefined. */
  readonly dataDir?: string;
  readonly tableName?: string;
  /** Port of the Step Functions endpoint; 0 picks one. */
  readonly port: number;
  readonly host?: string;
  readonly glue?: GlueSandboxOptions;
  readonly marketplace?: MarketplaceSandboxOptions;
  readonly spapi?: SellingPartnerOptions;
  /**
   * The sources this process will run (npm start's `--source`): only these are checked against
   * their SDK before the start, and the local S3 starts only when one of them reads S3.
   * @default - any source (npm run serve, a resume)
   */
  readonly sources?: readonly string[];
  /** Adopt AWS_ENDPOINT_URL_DYNAMODB / _GLUE / _SECRETS_MANAGER, PAGEWALK_ENDPOINT_URL_MARKETPLACE / _SPAPI / _LWA. */
  readonly honourEndpointVariables: boolean;
  readonly retryDelayMs?: number;
  readonly log?: (line: string) => void;
  readonly onEvent?: (event: LocalEvent, executionName: string) => void;
  /** Routes to mount beside the API and the run API (the console). */
  readonly routes?: (context: RuntimeMountContext) => readonly Route[];
}

/** What a route mounted on the runtime may read: the endpoint's registry and the local services. */
export interface RuntimeMountContext extends MountContext {
  readonly stack: LocalStack;
}

export interface LocalRuntime {
  readonly stack: LocalStack;
  readonly server: SfnServer;
  readonly dataDir?: string;
  /** Stops the endpoint (running executions end ABORTED and are recorded stopped), then the services. */
  close(): Promise<void>;
}

/**
 * Records on its run an ending the execution could not record itself, through the same
 * reconcile handler AWS invokes for "Step Functions Execution Status Change".
 */
export async function reconcileLocally(execution: ExecutionDescription): Promise<void> {
  const { handler } = await import('../functions/reconcile');
  await handler({
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      input: execution.input,
      error: execution.error ?? null,
      cause: execution.cause ?? null,
      startDate: execution.startDate,
      stopDate: execution.stopDate ?? null,
    },
  });
}

/**
 * Takes the data folder (DataFolderBusy when a live process holds it), starts the services
 * and the endpoint, and writes the endpoints into the lock file for a second process to find.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { dataDir } = options;
  // The handlers run the definitions in sources/ as they are (on AWS, synth checked them):
  // check them here the same way, so a broken file fails now, naming the file and the field.
  const inScope = checkDefinitionsDir(definitionsDir(), false).filter(
    ({ definition }) => options.sources === undefined || options.sources.includes(definition.name),
  );
  const aws = inScope.flatMap(({ definition, where }) =>
    isAwsDefinition(definition) ? [{ definition, where }] : [],
  );
  for (const { definition, where } of aws) checkAgainstSdk(definition, where);
  const readsS3 = aws.some(({ definition }) => definition.client.endpointVariable === S3_ENDPOINT_VARIABLE);
  const lock: DataLock | undefined = dataDir ? acquireDataLock(dataDir, options.command) : undefined;
  const cleanups: Array<() => Promise<void> | void> = [() => lock?.release()];
  const cleanUp = async () => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    const tokenSecret = sandboxTokenSecret(dataDir);
    const stack = await startLocalStack({
      tableName: options.tableName,
      dataDir: dataDir ? join(dataDir, 'dynamodb') : undefined,
      glue: { tokenSecret, ...options.glue },
      marketplace: { tokenSecret, ...options.marketplace },
      s3: readsS3 ? { directory: dataDir ? join(dataDir, 's3') : undefined } : undefined,
      spapi: { tokenSecret, credentials: sandboxLwaCredentials(dataDir), ...options.spapi },
      honourEndpointVariables: options.honourEndpointVariables,
    });
    cleanups.push(() => stack.close());
    const server = await startSfnServer({
      handlers: loadPagewalkHandlers,
      allJobsHandlers: loadAllJobsHandlers,
      routes: (context) => [runApiRoute(options.log), ...(options.routes?.({ ...context, stack }) ?? [])],
      exportEndpoint: true,
      port: options.port,
      host: options.host,
      dataDir: dataDir ? join(dataDir, 'executions') : undefined,
      retryDelayMs: options.retryDelayMs,
      tags: { [TABLE_TAG]: stack.tableName, [DYNAMODB_ENDPOINT_TAG]: stack.dynamoEndpoint },
      onEnded: reconcileLocally,
      log: options.log,
      onEvent: options.onEvent,
    });
    cleanups.push(() => server.close());
    const info: Partial<DataLockInfo> = {
      endpoint: server.url,
      dynamoEndpoint: stack.dynamoEndpoint,
      tableName: stack.tableName,
    };
    lock?.update(info);
    let closing: Promise<void> | undefined;
    return {
      stack,
      server,
      dataDir,
      close: () => {
        closing ??= cleanUp();
        return closing;
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
