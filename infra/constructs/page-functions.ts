import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { fromRepoRoot } from '../paths';
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
 * Exactly what each handler does to the table, and nothing more:
 * start-run creates (or finds) the run record, fetch-page writes the page and advances
 * the run record, finish-run marks the run succeeded or failed.
 */
const TABLE_ACCESS = {
  startRun: ['dynamodb:PutItem', 'dynamodb:GetItem'],
  fetchPage: ['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
  finishRun: ['dynamodb:UpdateItem'],
} as const satisfies Record<string, readonly TableAction[]>;

/**
 * Gives `fn` the table: sets `TABLE_NAME` and grants exactly `actions` on it, in one
 * place, so the environment variable and the permission never drift apart.
 */
export function useTable(fn: NodejsFunction, table: ITable, actions: readonly TableAction[]): void {
  fn.addEnvironment('TABLE_NAME', table.tableName);
  table.grant(fn, ...actions);
}

/**
 * Lets `fn` read job runs (glue:GetJobRuns) of the named Glue jobs, or of every job in
 * the stack's account and Region. GetJobRuns authorizes on the job ARN, so no `*` resource.
 */
export function useGlueJobRuns(fn: NodejsFunction, jobNames: readonly string[] = ['*']): void {
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['glue:GetJobRuns'],
      resources: jobNames.map((jobName) =>
        stack.formatArn({ service: 'glue', resource: 'job', resourceName: jobName }),
      ),
    }),
  );
}

export interface PageFunctionsProps {
  /** The table the handlers write items and run records to. */
  readonly table: ITable;
  /**
   * Memory of each function, in MB (128 to 10240). One page is small and constant, so the
   * default is ample; more memory also buys more CPU for large pages.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * How long fetch-page may take for one page: the source call plus the page's writes
   * (1 to 900 seconds).
   * @default Duration.seconds(60)
   */
  readonly fetchPageTimeout?: Duration;
  /**
   * Lowest application log level Lambda keeps (JSON log format).
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Glue jobs whose runs fetch-page may read.
   * @default - every Glue job in the stack's account and Region
   */
  readonly glueJobNames?: readonly string[];
}

/** Timeout of the two bookkeeping handlers: one or two DynamoDB item calls. */
const BOOKKEEPING_TIMEOUT = Duration.seconds(10);

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
    const memorySize = requireIntegerInRange('memorySize', props.memorySize ?? 256, 128, 10240, 'MB');
    const fetchPageTimeout = props.fetchPageTimeout ?? Duration.seconds(60);
    requireIntegerInRange(
      'fetchPageTimeout',
      fetchPageTimeout.toSeconds({ integral: false }),
      1,
      900,
      'seconds',
    );
    const logLevel = requireOneOf('logLevel', props.logLevel ?? 'INFO', LOG_LEVELS);
    if (props.glueJobNames?.length === 0) {
      throw new Error('glueJobNames must name at least one Glue job when given; got an empty list');
    }

    const common = { memorySize, logLevel };
    this.startRun = this.handler('StartRun', 'functions/start-run.ts', {
      ...common,
      description: 'pagewalk: validates the execution input and creates the run record',
      timeout: BOOKKEEPING_TIMEOUT,
    });
    this.fetchPage = this.handler('FetchPage', 'functions/fetch-page.ts', {
      ...common,
      description: 'pagewalk: fetches one page, writes its items and returns the cursor',
      timeout: fetchPageTimeout,
    });
    this.finishRun = this.handler('FinishRun', 'functions/finish-run.ts', {
      ...common,
      description: 'pagewalk: marks the run succeeded or failed',
      timeout: BOOKKEEPING_TIMEOUT,
    });

    useTable(this.startRun, props.table, TABLE_ACCESS.startRun);
    useTable(this.fetchPage, props.table, TABLE_ACCESS.fetchPage);
    useTable(this.finishRun, props.table, TABLE_ACCESS.finishRun);
    useGlueJobRuns(this.fetchPage, props.glueJobNames);
  }

  private handler(
    id: string,
    entry: string,
    options: { description: string; timeout: Duration; memorySize: number; logLevel: LogLevel },
  ): NodejsFunction {
    // An explicit log group with a retention replaces the deprecated `logRetention` custom resource.
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole, which may create log groups and
    // write to any of them: this one may only write to the function's own log group.
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the pagewalk ${entry} handler`,
    });
    logGroup.grantWrite(role);

    return new NodejsFunction(this, id, {
      entry: fromRepoRoot(entry),
      handler: 'handler',
      projectRoot: fromRepoRoot(),
      depsLockFilePath: fromRepoRoot('package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: options.description,
      memorySize: options.memorySize,
      timeout: options.timeout,
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[options.logLevel],
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        // CommonJS output needs no `require` shim for the CommonJS-only corners of the
        // SDK's dependency tree. `module` first still picks the SDK's ES builds, which
        // esbuild tree-shakes to the commands a handler sends (fetch-page: ~390 KB, not ~835 KB).
        format: OutputFormat.CJS,
        mainFields: ['module', 'main'],
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Ship the SDK versions pinned in package-lock.json and tested here, not whatever
        // the Lambda runtime happens to carry.
        bundleAwsSDK: true,
      },
    });
  }
}
