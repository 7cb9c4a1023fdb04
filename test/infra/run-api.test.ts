import { readFileSync } from 'node:fs';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { RUN_API_ROUTES, RunApi, type RunApiProps } from '../../infra/constructs/run-api';
import { stackPropsFromContext } from '../../infra/context';
import { fromRepoRoot } from '../../infra/paths';
import { functionResource, iamStatements, logicalId, newApp, render, resourceNames, synth } from './support';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const ofType = (template: Template, type: string) =>
  Object.values(template.findResources(type)) as { Properties: Record<string, unknown> }[];

/** A RunApi on its own, in front of an imported state machine and table. */
function standalone(props: Partial<RunApiProps> = {}): { stack: Stack; api: RunApi } {
  const stack = new Stack(newApp(), 'Standalone');
  const api = new RunApi(stack, 'Api', {
    stateMachine: StateMachine.fromStateMachineArn(
      stack,
      'StateMachine',
      'arn:aws:states:eu-west-1:123456789012:stateMachine:pagewalk',
    ),
    table: Table.fromTableName(stack, 'Table', 'pagewalk-items'),
    ...props,
  });
  return { stack, api };
}

describe('the run API accepts IAM-signed requests only', () => {
  it('authorizes every route with AWS_IAM', () => {
    const { template } = synth();
    const routes = ofType(template, 'AWS::ApiGatewayV2::Route');
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    // IAM authorization needs no authorizer resource; a JWT or Lambda authorizer would be one.
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  it('has exactly POST /runs and GET /runs/{runId}, the routes functions/api.ts answers, and no $default catch-all', () => {
    const { template } = synth();
    const keys = ofType(template, 'AWS::ApiGatewayV2::Route').map((route) => route.Properties.RouteKey);
    expect(keys.sort()).toEqual(['GET /runs/{runId}', 'POST /runs']);
    expect([...RUN_API_ROUTES].sort()).toEqual(keys);
    const handled = [
      ...readFileSync(fromRepoRoot('functions', 'api.ts'), 'utf8').matchAll(/case '([^']+)':/g),
    ]
      .map((match) => match[1])
      .sort();
    expect(handled).toEqual(keys);
  });

  it('has no CORS configuration and no quick-create target, which would add an unauthorized $default route', () => {
    const [api] = ofType(synth().template, 'AWS::ApiGatewayV2::Api');
    expect(api?.Properties).toMatchObject({ ProtocolType: 'HTTP' });
    expect(api?.Properties.CorsConfiguration).toBeUndefined();
    expect(api?.Properties.Target).toBeUndefined();
  });

  it('gives a principal execute-api:Invoke on exactly the two routes of the default stage with grantInvoke', () => {
    const { stack, api } = standalone();
    const caller = new Role(stack, 'Caller', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    api.grantInvoke(caller);
    const apiId = { Ref: stack.getLogicalId(api.api.node.defaultChild as CfnElement) };
    const route = (suffix: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':execute-api:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':',
          apiId,
          suffix,
        ],
      ],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(caller.node.defaultChild as CfnElement) }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'execute-api:Invoke',
            Resource: [route('/$default/GET/runs/*'), route('/$default/POST/runs')],
          },
        ],
      },
    });
  });
});

describe('the run API function', () => {
  it('is proxied to from both routes with payload format 2.0', () => {
    const { stack, template } = synth();
    const handler = stack.api!.handler;
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    expect(Object.values(integrations)).toHaveLength(1);
    const [integrationId, integration] = Object.entries(integrations)[0]!;
    expect(integration.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack, handler), 'Arn'] },
    });
    for (const route of ofType(template, 'AWS::ApiGatewayV2::Route')) {
      expect(route.Properties.Target).toEqual({
        'Fn::Join': ['', ['integrations/', { Ref: integrationId }]],
      });
    }
  });

  it('may be invoked by API Gateway only for this API and its two paths', () => {
    const { stack, template } = synth();
    const names = resourceNames(stack);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'))
      .map((permission) => render(permission.Properties, names) as { FunctionName?: string })
      .filter((permission) => permission.FunctionName === 'ApiHandler.Arn');
    expect(permissions).toEqual(
      ['/*/*/runs', '/*/*/runs/{runId}'].map((path) => ({
        Action: 'lambda:InvokeFunction',
        FunctionName: 'ApiHandler.Arn',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:Api${path}`,
      })),
    );
  });

  it('knows the state machine and the table through the helpers that grant their use', () => {
    const { stack, template } = synth();
    expect(
      functionResource(template, stack, stack.api!.handler).Properties.Environment.Variables,
    ).toMatchObject({
      STATE_MACHINE_ARN: { Ref: logicalId(stack, stack.stateMachine.stateMachine) },
      TABLE_NAME: { Ref: logicalId(stack, stack.table.table) },
    });
  });

  it('may start this state machine only (by Ref, not "*", not its executions), read the table, and write its own logs', () => {
    const { stack, template } = synth();
    expect(iamStatements(stack, template).filter((statement) => statement.role === 'ApiHandlerRole')).toEqual(
      [
        { role: 'ApiHandlerRole', actions: ['dynamodb:GetItem'], resources: ['Table.Arn'] },
        {
          role: 'ApiHandlerRole',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: ['ApiHandlerLogs.Arn'],
        },
        { role: 'ApiHandlerRole', actions: ['states:StartExecution'], resources: ['StateMachine'] },
      ],
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(stack, stack.api!.handler.role!) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'states:StartExecution',
            Resource: { Ref: logicalId(stack, stack.stateMachine.stateMachine) },
          },
        ]),
      },
    });
  });
});

describe('the default stage', () => {
  it('deploys automatically at the root of the API URL and throttles to 10 requests per second, bursts of 20', () => {
    synth().template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
  });

  it('writes a JSON access log line per request, naming the request and the signing principal', () => {
    const { stack, template } = synth();
    const [stage] = ofType(template, 'AWS::ApiGatewayV2::Stage');
    const settings = stage?.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(settings.DestinationArn).toEqual({
      'Fn::GetAtt': [logicalId(stack, stack.api!.accessLogs), 'Arn'],
    });
    expect(JSON.parse(settings.Format)).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      callerArn: '$context.identity.userArn',
    });
  });

  it('keeps access logs like every other log group: one month, retained, with the customer managed key when there is one', () => {
    const plain = synth();
    expect(
      (plain.template.toJSON().Resources as Resources)[logicalId(plain.stack, plain.stack.api!.accessLogs)],
    ).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 30 } });
    const encrypted = synth({ customerManagedKey: true });
    expect(
      (encrypted.template.toJSON().Resources as Resources)[
        logicalId(encrypted.stack, encrypted.stack.api!.accessLogs)
      ]?.Properties.KmsKeyId,
    ).toEqual({ 'Fn::GetAtt': [logicalId(encrypted.stack, encrypted.stack.encryptionKey!), 'Arn'] });
  });

  it('takes other throttling limits', () => {
    const { stack } = standalone({ rateLimit: 50, burstLimit: 100 });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it.each([
    [{ rateLimit: 0 }, 'rateLimit must be a whole number from 1 to 10000 requests per second; got 0'],
    [{ burstLimit: 5001 }, 'burstLimit must be a whole number from 1 to 5000 requests; got 5001'],
  ])('rejects throttling limits %j, naming the value and the range', (props, message) => {
    expect(() => standalone(props)).toThrow(message);
  });
});

describe('the API switch', () => {
  it('outputs the API URL', () => {
    const { stack, template } = synth();
    template.hasOutput('ApiUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: logicalId(stack, stack.api!.api) },
            '.execute-api.',
            { Ref: 'AWS::Region' },
            '.',
            { Ref: 'AWS::URLSuffix' },
            '/',
          ],
        ],
      },
    });
  });

  it('leaves out every API Gateway resource, the API function and the URL with api: false', () => {
    const { stack, template } = synth({ api: false });
    expect(stack.api).toBeUndefined();
    const types = Object.values(template.toJSON().Resources as Resources).map((resource) => resource.Type);
    expect(types.filter((type) => type.startsWith('AWS::ApiGateway'))).toEqual([]);
    // The three the state machine calls and the reconcile; no permission for API Gateway.
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Permission',
      { Principal: 'apigateway.amazonaws.com' },
      0,
    );
    expect(JSON.stringify(template.toJSON())).not.toContain('functions/api.ts');
    expect(template.findOutputs('ApiUrl')).toEqual({});
  });

  it('is on by default and off with the context key api=false', () => {
    expect(synth().stack.api).toBeInstanceOf(RunApi);
    const props = stackPropsFromContext(newApp({ context: { api: 'false' } }).node);
    expect(synth(props).stack.api).toBeUndefined();
  });
});
