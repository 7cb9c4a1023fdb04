import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { loadSourceDefinitions, type SourceDefinitions } from '../source-definitions';
import { requireIntegerInRange } from '../validate';
import { grantExecutionKey } from './execution-key';
import { type FunctionSettings, pagewalkFunction, useTable } from './page-functions';

/** The routes functions/api.ts answers, as API Gateway names them (`event.routeKey`). */
export const RUN_API_ROUTES = ['POST /runs', 'GET /runs/{runId}'] as const;

/** A DynamoDB GetItem or a StartExecution: well inside the HTTP API's 30 s integration limit. */
const API_HANDLER_TIMEOUT = Duration.seconds(10);

/**
 * One JSON object per request: who called (the signing IAM principal), what, and how it went.
 * `$context.requestId` is the id API Gateway returns in `apigw-requestid`.
 */
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  callerArn: '$context.identity.userArn',
  callerAccountId: '$context.identity.accountId',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

/**
 * Gives `fn` the state machine: sets `STATE_MACHINE_ARN` and allows states:StartExecution on
 * exactly that state machine (not its executions, not any other), in one place; with the
 * state machine's customer managed key, also what StartExecution needs on it, in that state
 * machine's encryption context only.
 */
export function useStateMachine(fn: NodejsFunction, stateMachine: IStateMachine, key?: IKey): void {
  fn.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
  stateMachine.grantStartExecution(fn);
  grantExecutionKey(fn, key, stateMachine, ['StartExecution']);
}

export interface RunApiProps extends FunctionSettings {
  /** The state machine `POST /runs` starts executions of. */
  readonly stateMachine: IStateMachine;
  /**
   * The customer managed key the state machine is encrypted with (its EncryptionConfiguration).
   * @default - none: the AWS owned key, which needs no grant
   */
  readonly stateMachineKey?: IKey;
  /** The table `GET /runs/{runId}` reads run records from. */
  readonly table: ITable;
  /**
   * The source definitions shipped in the handler's bundle: it validates a body against
   * the same registry as the state machine's first state.
   * @default - the definitions in the repository's sources/ folder
   */
  readonly sources?: SourceDefinitions;
  /**
   * Steady-state requests per second the stage lets through (1 to 10000). Each `POST /runs`
   * is a StartExecution, whose Step Functions quota (a bucket refilling a few per second, per
   * account and Region) every other caller in the account shares.
   * @default 10
   */
  readonly rateLimit?: number;
  /**
   * Requests the stage lets through in a burst above the rate (1 to 5000).
   * @default 20
   */
  readonly burstLimit?: number;
}

/**
 * The HTTP API that starts runs and reads their run records, for callers with IAM credentials:
 * `POST /runs` and `GET /runs/{runId}`, each authorized by IAM (SigV4), proxied to
 * functions/api.ts (payload format 2.0). No route is anonymous and there is no `$default` route.
 * The default stage throttles, so callers cannot spend the account's Step Functions quota,
 * and writes one JSON access log line per request.
 */
export class RunApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly handler: NodejsFunction;
  readonly routes: HttpRoute[];
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: RunApiProps) {
    super(scope, id);
    const rateLimit = requireIntegerInRange(
      'rateLimit',
      props.rateLimit ?? 10,
      1,
      10000,
      'requests per second',
    );
    const burstLimit = requireIntegerInRange('burstLimit', props.burstLimit ?? 20, 1, 5000, 'requests');

    this.handler = pagewalkFunction(this, 'Handler', props, {
      entry: 'functions/api.ts',
      description:
        'pagewalk: the HTTP API that starts runs (POST /runs) and reads run records (GET /runs/{runId})',
      timeout: API_HANDLER_TIMEOUT,
      sources: props.sources ?? loadSourceDefinitions(),
    });
    useStateMachine(this.handler, props.stateMachine, props.stateMachineKey);
    useTable(this.handler, props.table, ['dynamodb:GetItem']);

    this.api = new HttpApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-runs`,
      description: 'pagewalk: start runs and read run records (IAM authorization)',
      // Every route, including any added later, requires a SigV4 signature by an IAM principal
      // allowed execute-api:Invoke on it. No defaultIntegration: no catch-all $default route.
      defaultAuthorizer: new HttpIamAuthorizer(),
      // The default stage is created below, with access logs and throttling HttpApi cannot set.
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('Handler', this.handler);
    // Also named on each route, so its authorization is visible where the route is declared.
    const authorizer = new HttpIamAuthorizer();
    this.routes = [
      ...this.api.addRoutes({ path: '/runs', methods: [HttpMethod.POST], integration, authorizer }),
      ...this.api.addRoutes({ path: '/runs/{runId}', methods: [HttpMethod.GET], integration, authorizer }),
    ];

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryptionKey: props.logEncryptionKey,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
      },
    });
  }

  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/`. */
  get url(): string {
    return this.stage.url;
  }

  /** The execute-api ARNs of the two routes on the default stage: what a caller's policy names. */
  get routeArns(): string[] {
    return [
      this.api.arnForExecuteApi('POST', '/runs', this.stage.stageName),
      this.api.arnForExecuteApi('GET', '/runs/*', this.stage.stageName),
    ];
  }

  /** Lets `grantee` call both routes (execute-api:Invoke on their ARNs), and nothing else of the API. */
  grantInvoke(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: this.routeArns });
  }
}
