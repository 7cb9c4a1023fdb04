import { Aws, CfnMapping, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AllJobsSync, type AllJobsSyncProps } from './constructs/all-jobs-sync';
import { createDataKey, KMS_KEY_ARN } from './constructs/data-key';
import { ItemsTable } from './constructs/items-table';
import { Monitoring } from './constructs/monitoring';
import { PageFunctions } from './constructs/page-functions';
import { Reconcile } from './constructs/reconcile';
import { RunApi } from './constructs/run-api';
import { PagewalkStateMachine } from './constructs/state-machine';
import { SyncAlarms } from './constructs/sync-alarms';
import { SyncSchedules } from './constructs/sync-schedules';
import { checkSourceEndpoints, loadSourceDefinitions, type SourceDefinitions } from './source-definitions';
import { GLUE_SCOPE, resolveScopes } from './source-iam';
import { checkSpApiSettings, deploySpApi, SPAPI_SECRET_ARN_VARIABLE } from './spapi';
import type { PagewalkStackProps } from './stack-props';
import { requireMatch } from './validate';

export type { PagewalkStackProps } from './stack-props';

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = Object.values(RetentionDays).filter(
  (days): days is number => typeof days === 'number',
);

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** The input `syncSchedule` starts. */
export const SYNC_ALL_JOBS_INPUT = {
  source: 'glue.allJobs',
  params: {},
  options: { sync: 'incremental' },
} as const;

/**
 * pagewalk on AWS: the items table, the three handlers, the state machine that loops them, their
 * alarms, and the IAM-authorized HTTP API that starts runs.
 */
export class PagewalkStack extends Stack {
  readonly table: ItemsTable;
  readonly functions: PageFunctions;
  /** The source definitions this stack deploys (validated at synth). */
  readonly sources: SourceDefinitions;
  readonly stateMachine: PagewalkStateMachine;
  readonly monitoring: Monitoring;
  /** The EventBridge rule and function that record endings an execution could not record itself. */
  readonly reconcile: Reconcile;
  /** The HTTP API that starts runs and reads run records; undefined when `api` is false. */
  readonly api?: RunApi;
  /** The customer managed key of the table and the log groups, when one is used. */
  readonly encryptionKey?: IKey;
  /** The all-jobs sync; undefined unless `allJobs` (or a schedule) asks for it. */
  readonly allJobs?: AllJobsSync;
  /** The sync schedules; undefined when there are none. */
  readonly schedules?: SyncSchedules;

  constructor(scope: Construct, id: string, props: PagewalkStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (removalPolicy !== RemovalPolicy.RETAIN && removalPolicy !== RemovalPolicy.DESTROY) {
      throw new Error(`removalPolicy must be one of RETAIN, DESTROY; got ${JSON.stringify(removalPolicy)}`);
    }
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    if (!LOG_RETENTION_DAYS.includes(logRetention)) {
      throw new Error(
        `logRetention must be one of ${LOG_RETENTION_DAYS.join(', ')} days; got ${logRetention}`,
      );
    }
    this.encryptionKey = this.dataKey(props, removalPolicy);

    // Loaded (and validated) before anything else, so a bad definition fails synth first.
    const spapi = checkSpApiSettings(props);
    const sources = loadSourceDefinitions(
      props.sourceDefinitionsDir,
      props.sources,
      spapi ? [SPAPI_SECRET_ARN_VARIABLE] : [],
    );
    this.sources = sources;
    const sourceEndpoints = checkSourceEndpoints(props.sourceEndpoints ?? {}, sources);
    const sourceScopes = resolveScopes(sources, props.sourceScopes, props.glueJobNames);
    const glueJobNames = sourceScopes[GLUE_SCOPE.source]?.[GLUE_SCOPE.param];

    this.table = new ItemsTable(this, 'Items', {
      tableName: props.tableName,
      removalPolicy,
      encryptionKey: this.encryptionKey,
    });
    const logs = {
      logRetention,
      logRemovalPolicy: removalPolicy,
      logEncryptionKey: this.encryptionKey,
    };
    const sourceMaps = props.sourceMaps ?? false;
    this.functions = new PageFunctions(this, 'Functions', {
      ...logs,
      table: this.table.table,
      memorySize: props.memorySize,
      fetchPageTimeout: props.fetchPageTimeout,
      logLevel: props.logLevel,
      sourceScopes,
      sources,
      sourceEndpoints,
      itemTtlDays: props.itemTtlDays,
      tracing: props.tracing,
      sourceMaps,
    });
    deploySpApi(this.functions.fetchPage, spapi, sources, sourceEndpoints, props.spapiRegion);
    this.stateMachine = new PagewalkStateMachine(this, 'StateMachine', {
      ...logs,
      functions: {
        StartRunFunctionArn: this.functions.startRun,
        FetchPageFunctionArn: this.functions.fetchPage,
        FinishRunFunctionArn: this.functions.finishRun,
      },
      definitionPath: props.definitionPath,
      encryptionKey: this.encryptionKey,
      tracing: props.tracing,
      logLevel: props.stateMachineLogLevel,
      includeExecutionData: props.includeExecutionData,
    });
    this.reconcile = new Reconcile(this, 'Reconcile', {
      ...logs,
      stateMachine: this.stateMachine.stateMachine,
      startRun: this.functions.startRun,
      table: this.table.table,
      memorySize: props.memorySize,
      logLevel: props.logLevel,
      tracing: props.tracing,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stateMachine: this.stateMachine.stateMachine,
      functions: {
        startRun: this.functions.startRun,
        fetchPage: this.functions.fetchPage,
        finishRun: this.functions.finishRun,
      },
      alarmEmail: props.alarmEmail,
      alarmTopic: this.alarmTopic(props),
      lambdaErrorThreshold: props.lambdaErrorThreshold,
      dashboard: props.dashboard,
      deadLetterQueue: this.reconcile.deadLetterQueue,
    });

    if (props.api ?? true) {
      this.api = new RunApi(this, 'Api', {
        ...logs,
        stateMachine: this.stateMachine.stateMachine,
        stateMachineKey: this.encryptionKey,
        table: this.table.table,
        sources,
        memorySize: props.memorySize,
        logLevel: props.logLevel,
        tracing: props.tracing,
        sourceMaps,
      });
    }

    const sync = this.addSync(props, logs, sources, glueJobNames);
    this.allJobs = sync.allJobs;
    this.schedules = sync.schedules;

    const stateMachineArn = this.stateMachine.stateMachine.stateMachineArn;
    new CfnOutput(this, 'StateMachineArn', {
      description: 'Start a run: aws stepfunctions start-execution --state-machine-arn <this> --input ...',
      value: stateMachineArn,
    });
    new CfnOutput(this, 'TableName', {
      description: 'The table holding the items and one run record per run',
      value: this.table.table.tableName,
    });
    new CfnOutput(this, 'StateMachineConsoleUrl', {
      description: 'Watch executions in the Step Functions console',
      value: `https://${this.consoleDomain()}/states/home?region=${this.region}#/statemachines/view/${stateMachineArn}`,
    });
    if (this.api) {
      new CfnOutput(this, 'ApiUrl', {
        description:
          'Start a run: POST <this>runs with a SigV4-signed request (execute-api:Invoke); GET <this>runs/<runId> reads it',
        value: this.api.url,
      });
    }
    if (this.monitoring.dashboard) {
      new CfnOutput(this, 'DashboardUrl', {
        description: 'The CloudWatch dashboard: executions, fetch-page health, pages and items by source',
        value: `https://${this.consoleDomain()}/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
      });
    }
  }

  /** The all-jobs sync and the schedules, when asked for. */
  private addSync(
    props: PagewalkStackProps,
    logs: Pick<AllJobsSyncProps, 'logRetention' | 'logRemovalPolicy' | 'logEncryptionKey'>,
    sources: SourceDefinitions,
    glueJobNames: readonly string[] | undefined,
  ): { allJobs?: AllJobsSync; schedules?: SyncSchedules } {
    const schedules = [
      ...(props.schedules ?? []),
      ...(props.syncSchedule === undefined
        ? []
        : [{ name: 'sync-all-jobs', schedule: props.syncSchedule, input: SYNC_ALL_JOBS_INPUT }]),
    ];
    const wantsAllJobs = schedules.some((schedule) => schedule.input.source === SYNC_ALL_JOBS_INPUT.source);
    let allJobs: AllJobsSync | undefined;
    if (props.allJobs ?? wantsAllJobs) {
      if (!sources.aws.some((d) => d.name === GLUE_SCOPE.source)) {
        throw new Error(
          `allJobs syncs ${GLUE_SCOPE.source}, which this deployment does not deploy (sources)`,
        );
      }
      allJobs = new AllJobsSync(this, 'AllJobs', {
        ...logs,
        table: this.table.table,
        pagewalk: this.stateMachine.stateMachine,
        encryptionKey: this.encryptionKey,
        pagewalkKey: this.encryptionKey,
        glueJobNames,
        sources,
        memorySize: props.memorySize,
        logLevel: props.logLevel,
        tracing: props.tracing,
        sourceMaps: props.sourceMaps ?? false,
      });
      this.reconcile.cover(allJobs.stateMachine);
      new CfnOutput(this, 'AllJobsStateMachineArn', {
        description:
          'Sync every job: start-execution with {"source": "glue.allJobs", "params": {}, "options": {...}}',
        value: allJobs.stateMachine.stateMachineArn,
      });
    }
    const scheduled =
      schedules.length === 0
        ? undefined
        : new SyncSchedules(this, 'Schedules', {
            schedules,
            pagewalk: this.stateMachine.stateMachine,
            allJobs: allJobs?.stateMachine,
            encryptionKey: this.encryptionKey,
          });
    if (allJobs || scheduled) {
      new SyncAlarms(this, 'SyncAlarms', {
        allJobs: allJobs?.stateMachine,
        scheduleDeadLetters: scheduled?.deadLetterQueue,
        alarmTopic: this.monitoring.alarmTopic,
      });
    }
    return { allJobs, schedules: scheduled };
  }

  /** The AWS console's domain in the stack's partition (the console links differ in aws-cn and aws-us-gov). */
  private consoleDomain(): string {
    const id = 'ConsoleDomain';
    const mapping =
      (this.node.tryFindChild(id) as CfnMapping | undefined) ??
      new CfnMapping(this, id, {
        mapping: {
          aws: { domain: 'console.aws.amazon.com' },
          'aws-cn': { domain: 'console.amazonaws.cn' },
          'aws-us-gov': { domain: 'console.amazonaws-us-gov.com' },
        },
      });
    return mapping.findInMap(Aws.PARTITION, 'domain');
  }

  /** The customer managed key, if any: given, given by ARN, or created. At most one way. */
  private dataKey(props: PagewalkStackProps, removalPolicy: RemovalPolicy): IKey | undefined {
    const ways = [
      props.encryptionKey && 'encryptionKey',
      props.encryptionKeyArn !== undefined && 'encryptionKeyArn',
      props.customerManagedKey && 'customerManagedKey',
    ].filter(Boolean);
    if (ways.length > 1) {
      throw new Error(
        `Give at most one of encryptionKey, encryptionKeyArn, customerManagedKey; got ${ways.join(', ')}`,
      );
    }
    if (props.encryptionKey) return props.encryptionKey;
    if (props.encryptionKeyArn !== undefined) {
      const arn = requireMatch(
        'encryptionKeyArn',
        props.encryptionKeyArn,
        KMS_KEY_ARN,
        'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
      );
      return Key.fromKeyArn(this, 'EncryptionKey', arn);
    }
    return props.customerManagedKey ? createDataKey(this, 'EncryptionKey', removalPolicy) : undefined;
  }

  private alarmTopic(props: PagewalkStackProps): ITopic | undefined {
    if (props.alarmTopic && props.alarmTopicArn !== undefined) {
      throw new Error('Give alarmTopic or alarmTopicArn, not both; got both');
    }
    if (props.alarmTopicArn === undefined) return props.alarmTopic;
    const arn = requireMatch(
      'alarmTopicArn',
      props.alarmTopicArn,
      SNS_TOPIC_ARN,
      'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
    );
    return Topic.fromTopicArn(this, 'AlarmTopic', arn);
  }
}
