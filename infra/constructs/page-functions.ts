import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/lib/observability';
import { FUNCTION_TIMEOUT_SECONDS, sourceRequestTimeoutMs } from '../../functions/lib/timeouts';
import { AWS_CLIENTS_SPECIFIER, awsClientsBundleModule } from '../aws-clients-bundle';
import { acknowledge } from '../nag';
import { fromRepoRoot } from '../paths';
import {
  copyDefinitionsCommands,
  loadSourceDefinitions,
  type SecretKey,
  type SourceDefinitions,
} from '../source-definitions';
import { type SourceScopes, useSourceReads } from '../source-iam';
import { requireIntegerInRange, requireOneOf } from '../validate';

/** Log levels Lambda's advanced logging controls accept for application logs. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The DynamoDB item actions a handler may be granted; a typo fails typecheck, not a run. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:Query';

/**
 * Exactly what each handler does to the table, and nothing more. Keep this in step with
 * functions/lib/store/: start-run takes the collection lease and creates (or, for a new
 * segment, advances) the run record, and on a takeover records how the old holder ended and
 * releases its lease; fetch-page writes the page, remembers the token
 * (conditional put, read back on conflict), advances the run record and renews the lease;
 * finish-run marks the run finished and releases the lease.
 */
const TABLE_ACCESS = {
  startRun: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  fetchPage: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
  finishRun: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
} as const satisfies Record<string, readonly TableAction[]>;

/**
 * What a caller needs of a customer managed table key: DynamoDB uses the key on the caller's
 * behalf (hence `kms:ViaService`). CDK's grantReadWriteData would add the same actions as
 * `kms:ReEncrypt*` and `kms:GenerateDataKey*` wildcards, which data-plane calls do not need.
 */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];

/**
 * The `kms:ViaService` value of `service` in the stack's Region and partition, e.g.
 * `dynamodb.cn-north-1.amazonaws.com.cn` in aws-cn.
 */
export function viaService(scope: NodejsFunction, service: string): string {
  const stack = Stack.of(scope);
  return `${service}.${stack.region}.${stack.urlSuffix}`;
}

/**
 * Gives `fn` the table: sets `TABLE_NAME` and grants exactly `actions` on it (and, for a
 * customer managed key, the key actions DynamoDB needs on its behalf), in one place, so the
 * environment variable and the permissions never drift apart.
 */
export function useTable(fn: NodejsFunction, table: ITable, actions: readonly TableAction[]): void {
  fn.addEnvironment('TABLE_NAME', table.tableName);
  // `grant` (unlike grantReadWriteData) adds no KMS actions: those follow, without wildcards.
  table.grant(fn, ...actions);
  if (table.encryptionKey) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: TABLE_KEY_ACTIONS,
        resources: [table.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': viaService(fn, 'dynamodb') } },
      }),
    );
  }
}

/**
 * Lets `fn` read the credentials the HTTP source definitions name, and no other secret.
 * A definition must give the secret's complete ARN (with its six-character suffix). A secret
 * under a customer managed key (`auth.kmsKeyArn`) also needs kms:Decrypt on that key, allowed
 * only through Secrets Manager and only for those secrets (Secrets Manager puts the secret's
 * ARN in the encryption context).
 */
export function useSecrets(
  fn: NodejsFunction,
  secretArns: readonly string[],
  secretKeys: readonly SecretKey[] = [],
): void {
  if (secretArns.length === 0) return;
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [...secretArns] }),
  );
  for (const { keyArn, secretArns: encrypted } of secretKeys) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': viaService(fn, 'secretsmanager'),
            'kms:EncryptionContext:SecretARN': [...encrypted],
          },
        },
      }),
    );
  }
}

/** Sets the deploy-time endpoint overrides the source definitions name (already validated). */
export function useSourceEndpoints(fn: NodejsFunction, endpoints: Readonly<Record<string, string>>): void {
  for (const [variable, url] of Object.entries(endpoints)) fn.addEnvironment(variable, url);
}

/** What every pagewalk function shares, whichever handler it runs. */
export interface FunctionSettings {
  /**
   * Memory of each function, in MB (128 to 10240). One page is small and constant, so the
   * default is ample; more memory also buys more CPU for large pages.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Lowest application log level Lambda and Powertools keep (JSON log format).
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Active X-Ray tracing of the functions.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * How long the functions' logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * A customer managed key to encrypt the log groups with; its policy must let CloudWatch Logs use it.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: IKey;
  /**
   * Ship a source map with each bundle and run Node with `--enable-source-maps`, so stack
   * traces name the TypeScript files. Off in production: the maps are larger than the code
   * (600–800 KB each) and Node reads them at cold start.
   * @default false
   */
  readonly sourceMaps?: boolean;
}

export interface PageFunctionsProps extends FunctionSettings {
  /** The table the handlers write items and run records to. */
  readonly table: ITable;
  /**
   * How long fetch-page may take for one page: the source call plus the page's writes
   * (1 to 900 seconds).
   * @default Duration.seconds(60), FUNCTION_TIMEOUT_SECONDS.FetchPageFunctionArn
   */
  readonly fetchPageTimeout?: Duration;
  /**
   * The values each AWS source's params are scoped to in fetch-page's grants (checked by
   * `resolveScopes`); a param left out may be any.
   * @default - none: every AWS source may read any resource of its kind in the account and Region
   */
  readonly sourceScopes?: SourceScopes;
  /**
   * The source definitions shipped in the start-run and fetch-page bundles; fetch-page is granted
   * the AWS ones' reads and carries their SDK clients.
   * @default - the definitions deployed by default from the repository's sources/ folder
   */
  readonly sources?: SourceDefinitions;
  /**
   * Endpoint overrides, variable to URL, set on fetch-page (validated by the stack).
   * @default - none: every definition uses its baseUrl
   */
  readonly sourceEndpoints?: Readonly<Record<string, string>>;
  /**
   * Days after which item rows expire (1 to 3650), passed to fetch-page as ITEM_TTL_DAYS.
   * @default - items never expire
   */
  readonly itemTtlDays?: number;
}

/** Timeout of the two bookkeeping handlers (a few DynamoDB item calls): the one the local engine enforces too. */
const BOOKKEEPING_TIMEOUT = Duration.seconds(FUNCTION_TIMEOUT_SECONDS.StartRunFunctionArn);

/** The handler a function runs, and what only that handler needs. */
export interface HandlerOptions {
  /** The handler file, from the repository root, e.g. `functions/start-run.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  /**
   * Copy the source definitions into the bundle: the handler reads the catalog.
   * @default - no definitions in the bundle
   */
  readonly sources?: SourceDefinitions;
  /**
   * The generated `#aws-clients` module to bundle (fetch-page only: the handler calls the sources).
   * @default - none: the handler never imports it
   */
  readonly awsClients?: string;
}

/**
 * The three handlers the state machine calls: start the run, fetch one page, finish the run.
 * Each has its own role, allowed only what its handler does, and its own log group.
 */
export class PageFunctions extends Construct {
  readonly startRun: NodejsFunction;
  readonly fetchPage: NodejsFunction;
  readonly finishRun: NodejsFunction;

  constructor(scope: Construct, id: string, props: PageFunctionsProps) {
    super(scope, id);
    const fetchPageTimeout =
      props.fetchPageTimeout ?? Duration.seconds(FUNCTION_TIMEOUT_SECONDS.FetchPageFunctionArn);
    requireIntegerInRange(
      'fetchPageTimeout',
      fetchPageTimeout.toSeconds({ integral: false }),
      1,
      900,
      'seconds',
    );
    if (props.itemTtlDays !== undefined) {
      requireIntegerInRange('itemTtlDays', props.itemTtlDays, 1, 3650, 'days');
    }
    const sources = props.sources ?? loadSourceDefinitions();

    this.startRun = pagewalkFunction(this, 'StartRun', props, {
      entry: 'functions/start-run.ts',
      description: 'pagewalk: validates the execution input and creates the run record',
      timeout: BOOKKEEPING_TIMEOUT,
      sources,
    });
    this.fetchPage = pagewalkFunction(this, 'FetchPage', props, {
      entry: 'functions/fetch-page.ts',
      description: 'pagewalk: fetches a bounded number of pages, writes their items and returns the cursor',
      timeout: fetchPageTimeout,
      sources,
      awsClients: awsClientsBundleModule(sources.aws),
    });
    this.finishRun = pagewalkFunction(this, 'FinishRun', props, {
      entry: 'functions/finish-run.ts',
      description: 'pagewalk: marks the run succeeded or failed',
      timeout: BOOKKEEPING_TIMEOUT,
    });

    useTable(this.startRun, props.table, TABLE_ACCESS.startRun);
    useTable(this.fetchPage, props.table, TABLE_ACCESS.fetchPage);
    useTable(this.finishRun, props.table, TABLE_ACCESS.finishRun);
    useSourceReads(this.fetchPage, sources.aws, props.sourceScopes ?? {});
    useSecrets(this.fetchPage, sources.secretArns, sources.secretKeys);
    useSourceEndpoints(this.fetchPage, props.sourceEndpoints ?? {});
    if (props.itemTtlDays !== undefined) {
      this.fetchPage.addEnvironment('ITEM_TTL_DAYS', String(props.itemTtlDays));
    }
    // The source call's own timeout, well inside the function's, so a hung call is a retried SourceTimeout.
    this.fetchPage.addEnvironment(
      'SOURCE_REQUEST_TIMEOUT_MS',
      String(sourceRequestTimeoutMs(fetchPageTimeout.toSeconds({ integral: false }))),
    );
  }
}

/**
 * One pagewalk function: `handler.entry` bundled with the local esbuild (CommonJS, minified,
 * source maps only with `sourceMaps`, the SDK pinned in package-lock.json), on Node.js 22
 * arm64, with JSON logs to its own log group and its own role, allowed only to write there. Grant it what its handler
 * does with the `use...` helpers, which set the matching environment variable in the same call.
 */
export function pagewalkFunction(
  scope: Construct,
  id: string,
  settings: FunctionSettings,
  handler: HandlerOptions,
): NodejsFunction {
  const memorySize = requireIntegerInRange('memorySize', settings.memorySize ?? 256, 128, 10240, 'MB');
  const logLevel = requireOneOf('logLevel', settings.logLevel ?? 'INFO', LOG_LEVELS);
  const { entry, sources, awsClients } = handler;
  const sourceMaps = settings.sourceMaps ?? false;
  // An explicit log group with a retention replaces the deprecated `logRetention` custom resource.
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: settings.logRetention ?? RetentionDays.ONE_MONTH,
    removalPolicy: settings.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    encryptionKey: settings.logEncryptionKey,
  });
  // Our own role instead of AWSLambdaBasicExecutionRole, which may create log groups and
  // write to any of them: this one may only write to the function's own log group.
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of the pagewalk ${entry} handler`,
  });
  logGroup.grantWrite(role);

  const fn = new NodejsFunction(scope, id, {
    entry: fromRepoRoot(entry),
    handler: 'handler',
    projectRoot: fromRepoRoot(),
    depsLockFilePath: fromRepoRoot('package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    description: handler.description,
    memorySize,
    timeout: handler.timeout,
    role,
    logGroup,
    loggingFormat: LoggingFormat.JSON,
    applicationLogLevelV2: ApplicationLogLevel[logLevel],
    tracing: settings.tracing ? Tracing.ACTIVE : undefined,
    environment: {
      ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      // Powertools calls Lambda's FATAL "CRITICAL"; the two levels must agree or it warns.
      POWERTOOLS_LOG_LEVEL: logLevel === 'FATAL' ? 'CRITICAL' : logLevel,
    },
    bundling: {
      // CommonJS output needs no `require` shim for the CommonJS-only corners of the
      // SDK's dependency tree. `module` first still picks the SDK's ES builds, which
      // esbuild tree-shakes to the commands a handler sends (fetch-page: ~460 KB, not ~835 KB).
      format: OutputFormat.CJS,
      mainFields: ['module', 'main'],
      target: 'node22',
      minify: true,
      sourceMap: sourceMaps,
      sourcesContent: false,
      // Ship the SDK versions pinned in package-lock.json and tested here, not whatever
      // the Lambda runtime happens to carry.
      bundleAwsSDK: true,
      // fetch-page imports `#aws-clients`: exactly the SDK clients of the definitions it deploys.
      esbuildArgs: awsClients ? { [`--alias:${AWS_CLIENTS_SPECIFIER}`]: awsClients } : undefined,
      // The source definitions are deployed configuration: they travel in the bundle
      // (the registry reads ${LAMBDA_TASK_ROOT}/sources), so a deployment runs the
      // definitions it was synthesized and validated with.
      commandHooks: sources
        ? {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) =>
              copyDefinitionsCommands(sources, outputDir),
          }
        : undefined,
    },
  });

  acknowledge(
    fn,
    'AwsSolutions-L1',
    'Node.js 22 is the runtime the handlers are bundled for (esbuild target node22) and tested on; ' +
      'Lambda supports it until April 2027. Moving to a newer runtime is a deliberate change, not an ' +
      'automatic one whenever aws-cdk-lib learns a new runtime.',
  );
  if (settings.tracing) {
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level ' +
        'permissions (Service Authorization Reference), so their resource must be "*".',
    );
  }
  return fn;
}
