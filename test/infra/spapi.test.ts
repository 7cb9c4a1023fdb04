/**
 * The SP-API sources at synth: deployed only with the Login with Amazon secret, then with the
 * region's endpoint and that secret alone readable by fetch-page; bad settings refused naming
 * the value and what is allowed.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stackPropsFromContext } from '../../infra/context';
import { functionResource, iamStatements, newApp, synth } from './support';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pagewalk/spapi-lwa-AbC123';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SPAPI_SOURCES = ['spapi.financialEvents', 'spapi.orders', 'spapi.ordersV0', 'spapi.reports'];

const deployedNames = (stack: ReturnType<typeof synth>['stack']) =>
  stack.sources.definitions.map((d) => d.name).sort();

describe('without spapiSecretArn', () => {
  it('leaves the SP-API sources out, says so at synth, and grants no secret', () => {
    const { stack, template } = synth();

    expect(deployedNames(stack)).not.toContain('spapi.orders');
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp(`${SPAPI_SOURCES.join(', ')} not deployed: .*spapiSecretArn is not set`),
    );
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('secretsmanager:');
    expect(
      functionResource(template, stack, stack.functions.fetchPage).Properties.Environment.Variables,
    ).not.toHaveProperty('PAGEWALK_SPAPI_SECRET_ARN');
  });

  it('refuses a deployment that names an SP-API source', () => {
    expect(() => synth({ sources: ['glue.getJobRuns', 'spapi.orders'] })).toThrow(
      /sources names spapi.orders, which authenticates with Login with Amazon, but spapiSecretArn is not set/,
    );
  });

  it.each([
    [{ spapiRegion: 'eu' }, 'spapiRegion is set ("eu") but spapiSecretArn is not'],
    [{ spapiSecretKmsKeyArn: KEY }, 'spapiSecretKmsKeyArn is set'],
  ])('refuses %j without the secret rather than ignoring it', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe('with spapiSecretArn', () => {
  it('deploys the SP-API sources with the region’s endpoint, and lets fetch-page read that secret only', () => {
    const { stack, template } = synth({ spapiSecretArn: SECRET, spapiRegion: 'eu' });

    expect(deployedNames(stack)).toEqual(expect.arrayContaining(SPAPI_SOURCES));
    const { startRun, fetchPage, finishRun } = stack.functions;
    expect(functionResource(template, stack, fetchPage).Properties.Environment.Variables).toMatchObject({
      PAGEWALK_ENDPOINT_URL_SPAPI: 'https://sellingpartnerapi-eu.amazon.com',
      PAGEWALK_SPAPI_SECRET_ARN: SECRET,
    });
    for (const fn of [startRun, finishRun]) {
      expect(functionResource(template, stack, fn).Properties.Environment.Variables).not.toHaveProperty(
        'PAGEWALK_SPAPI_SECRET_ARN',
      );
    }
    const secrets = iamStatements(stack).filter((s) =>
      s.actions.some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secrets).toEqual([
      { role: 'FetchPageRole', actions: ['secretsmanager:GetSecretValue'], resources: [SECRET] },
    ]);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('not deployed'));
  });

  it('defaults to the NA endpoint, and lets fetch-page decrypt the secret through Secrets Manager when it has its own key', () => {
    const { stack, template } = synth({ spapiSecretArn: SECRET, spapiSecretKmsKeyArn: KEY });

    expect(
      functionResource(template, stack, stack.functions.fetchPage).Properties.Environment.Variables,
    ).toMatchObject({ PAGEWALK_ENDPOINT_URL_SPAPI: 'https://sellingpartnerapi-na.amazon.com' });
    expect(
      iamStatements(stack).filter((s) => s.actions.includes('kms:Decrypt') && s.role === 'FetchPageRole'),
    ).toEqual([expect.objectContaining({ resources: [KEY] })]);
  });

  it('lets sourceEndpoints move the SP-API and LWA endpoints, but not together with spapiRegion', () => {
    const { stack, template } = synth({
      spapiSecretArn: SECRET,
      sourceEndpoints: {
        PAGEWALK_ENDPOINT_URL_SPAPI: 'https://spapi-proxy.example.com',
        PAGEWALK_ENDPOINT_URL_LWA: 'https://api.amazon.co.uk',
      },
    });
    expect(
      functionResource(template, stack, stack.functions.fetchPage).Properties.Environment.Variables,
    ).toMatchObject({
      PAGEWALK_ENDPOINT_URL_SPAPI: 'https://spapi-proxy.example.com',
      PAGEWALK_ENDPOINT_URL_LWA: 'https://api.amazon.co.uk',
    });
    expect(() =>
      synth({
        spapiSecretArn: SECRET,
        spapiRegion: 'fe',
        sourceEndpoints: { PAGEWALK_ENDPOINT_URL_SPAPI: 'https://spapi-proxy.example.com' },
      }),
    ).toThrow('spapiRegion ("fe") and sourceEndpoints.PAGEWALK_ENDPOINT_URL_SPAPI');
  });

  it('warns and grants nothing when the deployment names no SP-API source', () => {
    const { stack, template } = synth({ spapiSecretArn: SECRET, sources: ['glue.getJobRuns'] });
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('spapiSecretArn is set but no source'),
    );
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('secretsmanager:');
  });

  it.each([
    [{ spapiSecretArn: SECRET, spapiRegion: 'us' }, 'spapiRegion must be one of na, eu, fe; got "us"'],
    [
      { spapiSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pagewalk/spapi-lwa' },
      "spapiSecretArn must be a secret's complete ARN",
    ],
    [{ spapiSecretArn: 'pagewalk/spapi-lwa' }, "spapiSecretArn must be a secret's complete ARN"],
    [
      { spapiSecretArn: SECRET, spapiSecretKmsKeyArn: 'alias/spapi' },
      'spapiSecretKmsKeyArn must be a KMS key ARN',
    ],
  ])('refuses %j naming the value and what is allowed', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe('the context keys', () => {
  it('are spapiRegion, spapiSecretArn and spapiSecretKmsKeyArn', () => {
    const app = newApp({ context: { spapiRegion: 'fe', spapiSecretArn: SECRET, spapiSecretKmsKeyArn: KEY } });
    expect(stackPropsFromContext(app.node)).toMatchObject({
      spapiRegion: 'fe',
      spapiSecretArn: SECRET,
      spapiSecretKmsKeyArn: KEY,
    });
  });
});
