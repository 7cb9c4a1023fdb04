import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PagewalkStack } from '../../infra/pagewalk-stack';
import {
  definitionsDir,
  functionResource,
  httpDefinition,
  iamStatements,
  logicalId,
  newApp,
  scratchDir,
  synth,
} from './support';

const scratch = scratchDir();
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const SECRET_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555';
const SECRET_A = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor/orders-AbCdEf';
const SECRET_B = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor/reports-GhIjKl';
const SECRET_PLAIN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other/plain-MnOpQr';

describe('the state machine with a customer managed key', () => {
  it('encrypts its definition and execution history with the created key', () => {
    const { stack, template } = synth({ customerManagedKey: true });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      EncryptionConfiguration: {
        Type: 'CUSTOMER_MANAGED_KMS_KEY',
        KmsKeyId: { 'Fn::GetAtt': [logicalId(stack, stack.encryptionKey!), 'Arn'] },
      },
    });
  });

  it('encrypts with a key given by ARN', () => {
    synth({ encryptionKeyArn: KEY_ARN }).template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      EncryptionConfiguration: { Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: KEY_ARN },
    });
  });

  it('keeps the AWS owned key without one', () => {
    const [stateMachine] = Object.values(synth().template.findResources('AWS::StepFunctions::StateMachine'));
    expect(stateMachine?.Properties.EncryptionConfiguration).toBeUndefined();
  });

  it("lets its role use the key only in its own encryption context, which names the state machine's real ARN", () => {
    const { stack, template } = synth({ customerManagedKey: true });
    const [stateMachine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const name = stateMachine?.Properties.StateMachineName;
    expect(name).toBe('Pagewalk-StateMachine');
    const statements = iamStatements(stack, template).filter(
      (s) => s.role === 'StateMachineRole' && s.actions.some((a) => a.startsWith('kms:')),
    );
    expect(statements).toContainEqual({
      role: 'StateMachineRole',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['Key.Arn'],
      condition: {
        StringEquals: {
          'kms:EncryptionContext:aws:states:stateMachineArn': `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:${name}`,
        },
      },
    });
  });

  it('keeps its name within the 80 characters Step Functions allows, whatever the stack name', () => {
    const stack = new PagewalkStack(newApp(), 'S'.repeat(128));
    const [stateMachine] = Object.values(
      Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'),
    );
    expect(stateMachine?.Properties.StateMachineName).toBe(`${'S'.repeat(67)}-StateMachine`);
    expect(stateMachine?.Properties.StateMachineName).toHaveLength(80);
  });

  it('lets CloudWatch Logs delivery read the created key, so the encrypted state machine can still log', () => {
    synth({ customerManagedKey: true }).template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'delivery.logs.amazonaws.com' }, Action: 'kms:Decrypt*' }),
        ]),
      },
    });
  });
});

describe('secrets under a customer managed key', () => {
  const sourceDefinitionsDir = definitionsDir(scratch, 'secret-keys', {
    'a.json': httpDefinition('vendor.orders', {
      auth: { secretArn: SECRET_A, header: 'X-Api-Key', kmsKeyArn: SECRET_KEY_ARN },
    }),
    'b.json': httpDefinition('vendor.reports', {
      endpoint: { baseUrl: 'https://reports.example.com' },
      auth: { secretArn: SECRET_B, header: 'X-Api-Key', kmsKeyArn: SECRET_KEY_ARN },
    }),
    'c.json': httpDefinition('other.plain', {
      endpoint: { baseUrl: 'https://plain.example.com' },
      auth: { secretArn: SECRET_PLAIN, header: 'X-Api-Key' },
    }),
  });

  it('let fetch-page decrypt with the key only through Secrets Manager, and only for the secrets it encrypts', () => {
    const { stack } = synth({ sourceDefinitionsDir });
    const kms = iamStatements(stack).filter((s) => s.actions.includes('kms:Decrypt'));
    expect(kms).toEqual([
      {
        role: 'FetchPageRole',
        actions: ['kms:Decrypt'],
        resources: [SECRET_KEY_ARN],
        condition: {
          StringEquals: {
            'kms:ViaService': 'secretsmanager.<AWS::Region>.<AWS::URLSuffix>',
            'kms:EncryptionContext:SecretARN': [SECRET_A, SECRET_B],
          },
        },
      },
    ]);
    const secrets = iamStatements(stack).filter((s) => s.actions.includes('secretsmanager:GetSecretValue'));
    expect(secrets.map((s) => [s.role, s.resources])).toEqual([
      ['FetchPageRole', [SECRET_PLAIN, SECRET_A, SECRET_B].sort()],
    ]);
  });

  it('need no key grant when no definition names a key', () => {
    const plain = definitionsDir(scratch, 'no-secret-keys', {
      'c.json': httpDefinition('other.plain', { auth: { secretArn: SECRET_PLAIN, header: 'X-Api-Key' } }),
    });
    const { stack } = synth({ sourceDefinitionsDir: plain });
    expect(iamStatements(stack).filter((s) => s.actions.some((a) => a.startsWith('kms:')))).toEqual([]);
  });
});

describe('partitions', () => {
  it('synthesizes for aws-cn with no commercial ARN or service endpoint in the template', () => {
    const stack = new PagewalkStack(newApp(), 'Pagewalk', {
      env: { account: '123456789012', region: 'cn-north-1' },
      customerManagedKey: true,
      glueJobNames: ['nightly-etl'],
    });
    const template = Template.fromStack(stack);
    const text = JSON.stringify(template.toJSON());

    expect(text).not.toMatch(/arn:aws:/);
    // Global service principals (lambda.amazonaws.com, ...) are the same in every partition;
    // Region-specific names (service.<region>.amazonaws.com) are not.
    expect(text).not.toMatch(/\.(cn-north-1|<AWS::Region>)\.amazonaws\.com"/);
    const [stateMachine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(stateMachine?.Properties.DefinitionString).toContain(
      `"Resource": "arn:\${Partition}:states:::states:startExecution"`,
    );
    expect(stateMachine?.Properties.DefinitionSubstitutions.Partition).toEqual({ Ref: 'AWS::Partition' });
    const viaServices = iamStatements(stack, template)
      .map((s) => (s.condition as { StringEquals?: Record<string, unknown> } | undefined)?.StringEquals)
      .map((equals) => equals?.['kms:ViaService'])
      .filter((value) => value !== undefined);
    expect(new Set(viaServices)).toEqual(new Set(['dynamodb.cn-north-1.<AWS::URLSuffix>']));
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: { 'Fn::Join': ['', ['logs.cn-north-1.', { Ref: 'AWS::URLSuffix' }]] } },
          }),
        ]),
      },
    });
  });
});

describe('Glue reach', () => {
  it('warns at synth, besides the explicit cdk-nag acknowledgement, when glueJobNames is unset', () => {
    const { stack } = synth();
    Annotations.fromStack(stack).hasWarning(
      `/Pagewalk/Functions/FetchPage`,
      Match.stringLikeRegexp('glueJobNames is not set: fetch-page may call glue:GetJobRuns on every JobName'),
    );
  });

  it('does not warn once glueJobNames names the jobs', () => {
    const { stack } = synth({ glueJobNames: ['nightly-etl'] });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('glueJobNames'));
  });
});

describe('source maps', () => {
  it('are off by default: no --enable-source-maps for any function', () => {
    const { template } = synth();
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('NODE_OPTIONS');
    }
  });

  it('are loaded with --enable-source-maps when sourceMaps is on', () => {
    const { stack, template } = synth({ sourceMaps: true });
    for (const fn of [stack.functions.startRun, stack.functions.fetchPage, stack.api!.handler]) {
      expect(functionResource(template, stack, fn).Properties.Environment.Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });
});
