import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it, vi } from 'vitest';
import { PagewalkStack, type PagewalkStackProps } from '../../infra/pagewalk-stack';
import { fromRepoRoot } from '../../infra/paths';
import { definitionsDir, glueDefinition, httpDefinition, newApp, scratchDir } from './support';

const scratch = scratchDir();

interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly paths: string[];
}

type Checked = { stack: PagewalkStack; findings: Finding[]; error?: Error };
/** Each props object synthesized unchanged, once per file: a checked synth costs about a second. */
const synthesized = new Map<PagewalkStackProps, Checked>();

/**
 * Synthesizes the app with AwsSolutionsChecks registered, as infra/app.ts does, and reads the
 * report; the same props object unchanged is synthesized once.
 */
function checkedSynth(
  props: PagewalkStackProps,
  options: { change?: (stack: PagewalkStack) => void; cloudFormationValidation?: boolean } = {},
): Checked {
  const known = options.change ? undefined : synthesized.get(props);
  if (known) return known;
  const checked = synthesizeChecked(props, options);
  if (!options.change) synthesized.set(props, checked);
  return checked;
}

function synthesizeChecked(
  props: PagewalkStackProps,
  options: { change?: (stack: PagewalkStack) => void; cloudFormationValidation?: boolean },
): Checked {
  // CDK's own CloudFormation validation (on in `cdk synth`) costs ~10 s on first use: once is enough.
  vi.stubEnv('CDK_VALIDATION', options.cloudFormationValidation ? 'true' : 'false');
  const outdir = mkdtempSync(join(scratch, 'cdk.out-'));
  const app = newApp({ outdir });
  const stack = new PagewalkStack(app, 'Pagewalk', props);
  options.change?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: Error | undefined;
  try {
    app.synth();
  } catch (caught) {
    error = caught as Error;
  } finally {
    vi.unstubAllEnvs();
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: {
      pluginName: string;
      violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
    }[];
  };
  const findings = report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((violation) => ({
      plugin: plugin.pluginName,
      rule: violation.ruleName,
      severity: violation.severity,
      paths: violation.violatingConstructs.map((c) => c.constructPath),
    })),
  );
  return { stack, findings, error };
}

const EVERYTHING_ON: PagewalkStackProps = {
  customerManagedKey: true,
  tracing: true,
  alarmEmail: 'ops@example.com',
  stateMachineLogLevel: 'ALL',
  includeExecutionData: true,
  removalPolicy: RemovalPolicy.DESTROY,
  itemTtlDays: 30,
  glueJobNames: ['nightly-etl'],
  sourceDefinitionsDir: definitionsDir(scratch, 'with-auth', {
    'glue.json': glueDefinition(),
    'orders.json': httpDefinition('vendor.orders', {
      auth: {
        secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor-AbCdEf',
        header: 'X-Api-Key',
      },
    }),
  }),
  sourceEndpoints: { PAGEWALK_ENDPOINT_URL_EXAMPLE: 'https://vendor.example.com' },
};

/** The defaults, one object for every test that checks them. */
const DEFAULTS: PagewalkStackProps = {};

describe('cdk-nag AwsSolutions checks', () => {
  it.each([
    ['the defaults', DEFAULTS],
    ['every option on (CMK, tracing, alarm e-mail, ALL logs, secrets, endpoints, named jobs)', EVERYTHING_ON],
    [
      'logging off, a given key and topic, no API',
      {
        api: false,
        stateMachineLogLevel: 'OFF',
        encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
        dashboard: false,
      },
    ],
    [
      'the all-jobs sync, its schedule and a single-job schedule, traced and with a CMK',
      {
        syncSchedule: 'rate(1 day)',
        tracing: true,
        customerManagedKey: true,
        schedules: [
          {
            name: 'nightly-etl',
            schedule: 'cron(0 3 * * ? *)',
            input: {
              source: 'glue.getJobRuns',
              params: { JobName: 'nightly-etl' },
              options: { sync: 'incremental' },
            },
          },
        ],
      },
    ],
    [
      'every source definition deployed (SP-API with its secret), their scopes left open',
      {
        sources: readdirSync(fromRepoRoot('sources')).map((f) =>
          String(JSON.parse(readFileSync(fromRepoRoot('sources', f), 'utf8')).name),
        ),
        spapiSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pagewalk/spapi-lwa-AbC123',
      },
    ],
  ] as [string, PagewalkStackProps][])('report no unacknowledged error or warning with %s', (name, props) => {
    const { findings, error } = checkedSynth(props, { cloudFormationValidation: name === 'the defaults' });
    expect(findings).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('fail the synth on a finding nobody acknowledged', () => {
    const { findings, error } = checkedSynth(
      {},
      {
        change: (stack) =>
          stack.functions.fetchPage.addToRolePolicy(
            new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
          ),
      },
    );
    expect(error?.message).toMatch(/wildcard permissions[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/);
    expect(findings).toEqual([
      {
        plugin: 'AwsSolutions',
        rule: 'AwsSolutions-IAM5[Resource::*]',
        severity: 'error',
        paths: ['Pagewalk/Functions/FetchPageRole/DefaultPolicy/Resource'],
      },
    ]);
  });

  it('are acknowledged one finding at a time, on the resource concerned, never on the stack, each with a reason', () => {
    const { stack } = checkedSynth(EVERYTHING_ON);
    const defaults = checkedSynth(DEFAULTS).stack;
    const acknowledged = (root: PagewalkStack) =>
      root.node.findAll().flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) =>
            Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
              path: construct.node.path,
              id: id.replace(/^Annotation::/i, ''),
              reason,
            })),
          ),
      );
    for (const { reason } of [...acknowledged(stack), ...acknowledged(defaults)]) {
      expect(reason.length).toBeGreaterThan(60);
    }
    const ids = (root: PagewalkStack) =>
      acknowledged(root)
        .map(({ path, id }) => `${path}: ${id}`)
        .sort();
    expect(ids(defaults)).toEqual([
      'Pagewalk/Api/Handler: AwsSolutions-L1',
      'Pagewalk/Functions/FetchPage: AwsSolutions-L1',
      'Pagewalk/Functions/FetchPageRole: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:job/*]',
      'Pagewalk/Functions/FinishRun: AwsSolutions-L1',
      'Pagewalk/Functions/StartRun: AwsSolutions-L1',
      'Pagewalk/Reconcile/DeadLetters: AwsSolutions-SQS3',
      'Pagewalk/Reconcile/Reconcile: AwsSolutions-L1',
      'Pagewalk/Reconcile/StartRunDescribeExecution: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<StateMachine703B4B93.Name>:*]',
      'Pagewalk/StateMachine/StateMachine/Role: AwsSolutions-IAM5[Resource::*]',
      'Pagewalk/StateMachine/StateMachine: AwsSolutions-SF1',
      'Pagewalk/StateMachine/StateMachine: AwsSolutions-SF2',
    ]);
    expect(ids(stack)).toEqual([
      'Pagewalk/Api/Handler: AwsSolutions-L1',
      'Pagewalk/Api/HandlerRole: AwsSolutions-IAM5[Resource::*]',
      'Pagewalk/Functions/FetchPage: AwsSolutions-L1',
      'Pagewalk/Functions/FetchPageRole: AwsSolutions-IAM5[Resource::*]',
      'Pagewalk/Functions/FinishRun: AwsSolutions-L1',
      'Pagewalk/Functions/FinishRunRole: AwsSolutions-IAM5[Resource::*]',
      'Pagewalk/Functions/StartRun: AwsSolutions-L1',
      'Pagewalk/Functions/StartRunRole: AwsSolutions-IAM5[Resource::*]',
      'Pagewalk/Reconcile/DeadLetters: AwsSolutions-SQS3',
      'Pagewalk/Reconcile/Reconcile: AwsSolutions-L1',
      'Pagewalk/Reconcile/ReconcileRole: AwsSolutions-IAM5[Resource::*]',
      'Pagewalk/Reconcile/StartRunDescribeExecution: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<StateMachine703B4B93.Name>:*]',
      'Pagewalk/StateMachine/StateMachine/Role: AwsSolutions-IAM5[Resource::*]',
    ]);
  });
});
