import { ArnFormat, Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  CustomerManagedEncryptionConfiguration,
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { readDefinitionForDeploy } from '../definition-file';
import { acknowledge, iam5ResourceFinding } from '../nag';
import { loadSourceDefinitions, type SourceDefinitions } from '../source-definitions';
import { grantExecutionKey } from './execution-key';
import { type FunctionSettings, pagewalkFunction, type TableAction, useTable } from './page-functions';
import { allowTakeover } from './reconcile';

/**
 * What each all-jobs handler does to the table (functions/lib/sync/): start-sync takes the
 * all-jobs lease (conditional put, read back on conflict) and creates the sync record;
 * list-jobs renews the lease; read-job-run reads the child's run record, writes the job's
 * row and renews the lease; finish-sync reads the job rows, ends the record, releases the lease.
 */
const TABLE_ACCESS = {
  startSync: ['dynamodb:PutItem', 'dynamodb:GetItem'],
  listJobs: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
  readJobRun: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  finishSync: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
} as const satisfies Record<string, readonly TableAction[]>;

/** The Lambda timeout of each all-jobs handler: a few item calls, or one ListJobs page. */
const HANDLER_TIMEOUT = Duration.seconds(20);

export interface AllJobsSyncProps extends FunctionSettings {
  readonly table: ITable;
  /** The pagewalk state machine each job's child execution runs on. */
  readonly pagewalk: StateMachine;
  /**
   * The Glue jobs that are "all jobs": listed without calling Glue, and no glue:ListJobs granted.
   * @default - every job ListJobs returns in the account and Region
   */
  readonly glueJobNames?: readonly string[];
  /**
   * The deployed source definitions: start-sync validates each job's options against Glue's.
   * @default - the definitions deployed by default from the repository's sources/ folder
   */
  readonly sources?: SourceDefinitions;
  /**
   * Send X-Ray traces of each execution.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * A customer managed key for the definition and the execution history, as the pagewalk
   * state machine has (see PagewalkStateMachineProps.encryptionKey).
   * @default - Step Functions' AWS owned key
   */
  readonly encryptionKey?: IKey;
  /**
   * The customer managed key the pagewalk state machine is encrypted with: this state machine's
   * role may use it for the children it starts, describes and stops, in the pagewalk state
   * machine's encryption context only.
   * @default - none: the pagewalk state machine uses the AWS owned key
   */
  readonly pagewalkKey?: IKey;
}

/**
 * The all-jobs sync (statemachine/all-jobs.asl.json): a second, small Standard workflow that
 * lists the Glue jobs page by page and runs each job's sync as a child execution of the
 * pagewalk state machine, waiting for it (`startExecution.sync:2`), a bounded number at a time.
 */
export class AllJobsSync extends Construct {
  readonly stateMachine: StateMachine;
  readonly functions: Readonly<
    Record<'startSync' | 'listJobs' | 'readJobRun' | 'finishSync', NodejsFunction>
  >;

  constructor(scope: Construct, id: string, props: AllJobsSyncProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const fn = (name: string, entry: string, description: string, sources?: SourceDefinitions) =>
      pagewalkFunction(this, name, props, { entry, description, timeout: HANDLER_TIMEOUT, sources });
    this.functions = {
      startSync: fn(
        'StartSync',
        'functions/start-sync.ts',
        'pagewalk all jobs: validates the input, takes the lease',
        props.sources ?? loadSourceDefinitions(),
      ),
      listJobs: fn('ListJobs', 'functions/list-jobs.ts', 'pagewalk all jobs: one page of Glue job names'),
      readJobRun: fn('ReadJobRun', 'functions/read-job-run.ts', "pagewalk all jobs: records a job's outcome"),
      finishSync: fn('FinishSync', 'functions/finish-sync.ts', 'pagewalk all jobs: sums up the sync'),
    };
    for (const [name, handler] of Object.entries(this.functions)) {
      useTable(handler, props.table, TABLE_ACCESS[name as keyof typeof TABLE_ACCESS]);
    }
    if (props.glueJobNames) {
      this.functions.listJobs.addEnvironment('GLUE_JOB_NAMES', props.glueJobNames.join(','));
    } else {
      this.functions.listJobs.addToRolePolicy(
        new PolicyStatement({ actions: ['glue:ListJobs'], resources: ['*'] }),
      );
      acknowledge(
        this.functions.listJobs.role as IRole,
        'AwsSolutions-IAM5[Resource::*]',
        'glue:ListJobs supports no resource-level permissions (Service Authorization Reference), so its ' +
          'resource must be "*"; it only returns job names. Deploy with glueJobNames to list none.',
      );
    }

    const stackIdSuffix = Fn.select(4, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-${id}-${stackIdSuffix}`,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryptionKey: props.logEncryptionKey,
    });
    const substitutions: Record<string, string> = {
      StartSyncFunctionArn: this.functions.startSync.functionArn,
      ListJobsFunctionArn: this.functions.listJobs.functionArn,
      ReadJobRunFunctionArn: this.functions.readJobRun.functionArn,
      FinishSyncFunctionArn: this.functions.finishSync.functionArn,
      PagewalkStateMachineArn: props.pagewalk.stateMachineArn,
      // The service-integration ARNs hold in every partition (aws, aws-cn, aws-us-gov).
      Partition: Aws.PARTITION,
    };
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(readDefinitionForDeploy('statemachine', 'all-jobs.asl.json')),
      // Named, so its ARN is known without a reference to itself (the key grant's encryption
      // context names it); Step Functions allows 80 characters.
      stateMachineName: `${stack.stackName.slice(0, 79 - id.length)}-${id}`,
      definitionSubstitutions: substitutions,
      encryptionConfiguration: props.encryptionKey
        ? new CustomerManagedEncryptionConfiguration(props.encryptionKey)
        : undefined,
      logs: { destination: logGroup, level: LogLevel.ERROR, includeExecutionData: false },
      tracingEnabled: props.tracing ?? false,
    });
    const role = this.stateMachine.role;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(this.functions).map((f) => f.functionArn),
      }),
    );
    // startExecution.sync:2 starts the child, watches it and stops it when the parent stops,
    // and needs Step Functions' managed rule to learn that the child ended (Step Functions
    // developer guide, "IAM policies for Step Functions nested executions").
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.pagewalk.stateMachineArn],
      }),
    );
    // Continue as new: a policy of its own, because the role's default policy cannot name the
    // state machine's own ARN (the state machine depends on that policy).
    new Policy(this, 'ContinueAsNewExecution', {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
    const childExecutions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.pagewalk.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [childExecutions],
      }),
    );
    // The child's input and output pass through the pagewalk key. This role's own key use
    // (continuing as new, its own history) is CDK's grant for its own encryption context.
    grantExecutionKey(role, props.pagewalkKey, props.pagewalk, [
      'StartExecution',
      'DescribeExecution',
      'StopExecution',
    ]);
    // A start that finds the all-jobs lease held asks whether its holder still runs.
    allowTakeover(
      this,
      'StartSyncDescribeExecution',
      this.functions.startSync,
      this.stateMachine,
      'start-sync',
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          stack.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
          }),
        ],
      }),
    );
    acknowledge(
      role,
      iam5ResourceFinding(this, childExecutions),
      'startExecution.sync:2 describes and stops the child executions it starts, whose names are only ' +
        'known at run time; the ARN pattern admits executions of the pagewalk state machine only.',
    );
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'logging: the CloudWatch Logs delivery actions (logs:CreateLogDelivery, logs:PutResourcePolicy, ...) ' +
        'that Step Functions needs to log to a log group support no resource-level permissions.',
    );
    acknowledge(
      this.stateMachine,
      'AwsSolutions-SF1',
      'Logs ERROR events: the execution history records every event for 90 days.',
    );
    if (!props.tracing) {
      acknowledge(this.stateMachine, 'AwsSolutions-SF2', 'X-Ray tracing is off unless tracing=true.');
    }
  }
}
