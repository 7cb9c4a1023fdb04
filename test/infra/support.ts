import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll } from 'vitest';
import { PagewalkStack, type PagewalkStackProps } from '../../infra/pagewalk-stack';
import { fromRepoRoot } from '../../infra/paths';

/**
 * CDK's built-in CloudFormation validation costs about 10 s on the first synth of a process
 * and half a second on each later one. Tests about what the template says skip it; the cdk-nag
 * test turns it back on and requires it, like cdk-nag, to report nothing.
 */
process.env.CDK_VALIDATION ??= 'false';

/** The feature flags `cdk synth` uses, so the tests see the same template. */
const cdkJsonContext = (JSON.parse(readFileSync(fromRepoRoot('cdk.json'), 'utf8')) as { context: object })
  .context;

/** An app that skips bundling (fast), unless a test needs the real assets. */
export function newApp(
  options: { bundle?: boolean; outdir?: string; context?: Record<string, unknown> } = {},
): App {
  return new App({
    outdir: options.outdir,
    context: {
      ...cdkJsonContext,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
}

/** The stack with every prop at its default, built on the first call of this test file only. */
let defaultSynth: { stack: PagewalkStack; template: Template } | undefined;

/**
 * Synthesizes the stack with `props`. Without props it returns the file's one default synth:
 * tests only read a synthesized stack, and a synth costs a tenth of a second or more.
 */
export function synth(props?: PagewalkStackProps): { stack: PagewalkStack; template: Template } {
  if (props === undefined) {
    defaultSynth ??= synth({});
    return defaultSynth;
  }
  const stack = new PagewalkStack(newApp(), 'Pagewalk', props);
  return { stack, template: Template.fromStack(stack) };
}

/** A scratch folder for this test file, removed after it. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pagewalk-infra-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes an ASL document to a file in `dir` and returns its path. */
export function aslFile(dir: string, name: string, asl: unknown): string {
  const path = join(dir, `${name}.asl.json`);
  writeFileSync(path, typeof asl === 'string' ? asl : JSON.stringify(asl, null, 2));
  return path;
}

/** `${name}`, an ASL placeholder. */
export const placeholder = (name: string): string => `\${${name}}`;

/** A minimal definition calling the three functions; options add the states a test is about. */
export function minimalAsl(
  options: { continueAsNew?: boolean; extraResource?: string; fetchTimeoutSeconds?: number } = {},
): object {
  const task = (resource: string, next?: string) => ({
    Type: 'Task',
    Resource: resource,
    ...(next ? { Next: next } : { End: true }),
  });
  return {
    StartAt: 'Start run',
    States: {
      'Start run': task(placeholder('StartRunFunctionArn'), 'Fetch page'),
      'Fetch page': {
        ...task(
          placeholder('FetchPageFunctionArn'),
          options.continueAsNew ? 'Continue as new' : 'Finish run',
        ),
        ...(options.fetchTimeoutSeconds ? { TimeoutSeconds: options.fetchTimeoutSeconds } : {}),
      },
      ...(options.continueAsNew
        ? {
            'Continue as new': {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution',
              Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'Input.$': '$' },
              Next: 'Finish run',
            },
          }
        : {}),
      ...(options.extraResource ? { Extra: task(options.extraResource, 'Finish run') } : {}),
      'Finish run': task(placeholder('FinishRunFunctionArn')),
    },
  };
}

/** A valid HTTP source definition; `overrides` replaces top-level fields. */
export function httpDefinition(name: string, overrides: Record<string, unknown> = {}): object {
  return {
    name,
    signal: 'tokenPresence',
    endpoint: { baseUrl: 'https://api.example.com', variable: 'PAGEWALK_ENDPOINT_URL_EXAMPLE' },
    params: {},
    pageSize: { min: 1, max: 100, default: 100 },
    origin: { method: 'POST', path: '/list', body: { MaxResults: '{pageSize}' } },
    continuation: { method: 'POST', path: '/list', body: { NextToken: '{nextToken}' } },
    response: { items: 'Items', itemKey: 'Id', nextToken: 'NextToken' },
    ...overrides,
  };
}

/** The shipped Glue definition (sources/glue-get-job-runs.json), for a folder of test definitions. */
export function glueDefinition(): object {
  return JSON.parse(readFileSync(fromRepoRoot('sources', 'glue-get-job-runs.json'), 'utf8')) as object;
}

/** A folder holding the given definition files (name → JSON value or raw text). */
export function definitionsDir(parent: string, name: string, files: Record<string, unknown>): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/** The logical id of a construct's CloudFormation resource (or of the resource itself). */
export function logicalId(stack: PagewalkStack, construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return stack.getLogicalId(element);
}

export function functionArn(stack: PagewalkStack, fn: IConstruct): unknown {
  return { 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] };
}

/**
 * Readable names for the stack's resources: `Table`, `Key`, `FetchPage`, `FetchPageRole`,
 * `FetchPageLogs`, `StateMachine`, `StateMachineRole`, `StateMachineLogs`, `ApiHandler`,
 * `Reconcile`, `ReconcileDeadLetters`, `AllJobs`, `AllJobsRole`, `StartSyncRole`, `SchedulesRole`, ...
 */
export function resourceNames(stack: PagewalkStack): Map<string, string> {
  const names = new Map<string, string>();
  const add = (construct: IConstruct | undefined, name: string) => {
    const element = construct?.node.defaultChild;
    if (element instanceof CfnElement) names.set(stack.getLogicalId(element), name);
  };
  add(stack.table.table, 'Table');
  add(stack.encryptionKey, 'Key');
  const { startRun, fetchPage, finishRun } = stack.functions;
  for (const [name, fn] of [
    ['StartRun', startRun],
    ['FetchPage', fetchPage],
    ['FinishRun', finishRun],
  ] as const) {
    add(fn, name);
    add(fn.role, `${name}Role`);
    add(fn.logGroup, `${name}Logs`);
  }
  if (stack.api) {
    const { handler } = stack.api;
    add(handler, 'ApiHandler');
    add(handler.role, 'ApiHandlerRole');
    add(handler.logGroup, 'ApiHandlerLogs');
    add(stack.api.api, 'Api');
    add(stack.api.accessLogs, 'ApiAccessLogs');
  }
  const reconcile = stack.reconcile.function;
  add(reconcile, 'Reconcile');
  add(reconcile.role, 'ReconcileRole');
  add(reconcile.logGroup, 'ReconcileLogs');
  add(stack.reconcile.deadLetterQueue, 'ReconcileDeadLetters');
  add(stack.reconcile.rule, 'ReconcileRule');
  add(stack.stateMachine.stateMachine, 'StateMachine');
  add(stack.stateMachine.stateMachine.role, 'StateMachineRole');
  add(stack.stateMachine.logGroup, 'StateMachineLogs');
  if (stack.allJobs) {
    add(stack.allJobs.stateMachine, 'AllJobs');
    add(stack.allJobs.stateMachine.role, 'AllJobsRole');
    add(stack.allJobs.functions.startSync.role, 'StartSyncRole');
  }
  add(stack.schedules?.role, 'SchedulesRole');
  return names;
}

/**
 * A CloudFormation value as readable text: `Table.Arn` for a GetAtt, `StateMachine` for a Ref
 * to a resource, `<AWS::Region>` for a pseudo parameter (cdk-nag's notation), joins concatenated.
 */
export function render(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => render(item, names));
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') {
    return node.Ref.startsWith('AWS::') ? `<${node.Ref}>` : (names.get(node.Ref) ?? `<${node.Ref}>`);
  }
  const getAtt = node['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `${names.get(getAtt[0]) ?? `<${getAtt[0]}>`}.${getAtt[1]}`;
  const join = node['Fn::Join'];
  if (Array.isArray(join)) {
    const [separator, parts] = join as [string, unknown[]];
    return parts.map((part) => render(part, names)).join(separator);
  }
  return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, render(item, names)]));
}

interface PolicyJson {
  readonly Properties: {
    readonly Roles: { Ref: string }[];
    readonly PolicyDocument: {
      readonly Statement: {
        Effect: string;
        Action: string | string[];
        Resource: unknown;
        Condition?: unknown;
      }[];
    };
  };
}

export interface RoleStatement {
  readonly role: string;
  readonly actions: string[];
  readonly resources: unknown[];
  readonly condition?: unknown;
}

/**
 * Every Allow statement of every role in the stack, with readable resource references,
 * sorted: the whole of what the stack may do, to compare with `toEqual`.
 */
export function iamStatements(stack: PagewalkStack, template = Template.fromStack(stack)): RoleStatement[] {
  const names = resourceNames(stack);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as PolicyJson[];
  const statements: RoleStatement[] = [];
  for (const policy of policies) {
    for (const role of policy.Properties.Roles) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if (statement.Effect !== 'Allow') throw new Error(`unexpected ${statement.Effect} statement`);
        statements.push({
          role: names.get(role.Ref) ?? role.Ref,
          actions: ([] as string[]).concat(statement.Action).sort(),
          resources: (render(([] as unknown[]).concat(statement.Resource), names) as unknown[])
            .map((resource) => (typeof resource === 'string' ? resource : JSON.stringify(resource)))
            .sort(),
          ...(statement.Condition ? { condition: render(statement.Condition, names) } : {}),
        });
      }
    }
  }
  const key = (s: RoleStatement) => `${s.role} ${s.actions.join(',')}`;
  return statements.sort((a, b) => key(a).localeCompare(key(b)));
}

/** The names of the roles in the stack and who may assume each. */
export function roles(stack: PagewalkStack, template = Template.fromStack(stack)): Record<string, string> {
  const names = resourceNames(stack);
  return Object.fromEntries(
    Object.entries(template.findResources('AWS::IAM::Role')).map(([id, role]) => [
      names.get(id) ?? id,
      role.Properties.AssumeRolePolicyDocument.Statement.map(
        (s: { Principal: { Service: string } }) => s.Principal.Service,
      ).join(','),
    ]),
  );
}

/** The parts of a Lambda function resource the tests read. */
export interface FunctionJson {
  readonly Properties: {
    readonly MemorySize: number;
    readonly Timeout: number;
    readonly Environment: { readonly Variables: Record<string, unknown> };
    readonly Code: { readonly S3Key: string };
  };
}

/** The Lambda function resource of one of the handlers. */
export function functionResource(template: Template, stack: PagewalkStack, fn: IConstruct): FunctionJson {
  return template.toJSON().Resources[logicalId(stack, fn)];
}

export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
];
