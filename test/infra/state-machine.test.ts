import { readFileSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { fromRepoRoot } from '../../infra/paths';
import { aslFile, functionArn, logicalId, minimalAsl, placeholder, scratchDir, synth } from './support';

const scratch = scratchDir();

describe('the state machine', () => {
  it('is a Standard workflow', () => {
    synth().template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
    });
  });

  it('deploys statemachine/pagewalk.asl.json, the file the local runtime runs, with only its service integrations made partition-aware', () => {
    const { template } = synth();
    const [stateMachine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const file = readFileSync(fromRepoRoot('statemachine', 'pagewalk.asl.json'), 'utf8');
    expect(stateMachine?.Properties.DefinitionString).toBe(
      file.replaceAll('"arn:aws:states:::', `"arn:\${Partition}:states:::`),
    );
  });

  it('substitutes the ARNs of the three functions and the partition for the placeholders the definition uses', () => {
    const { stack, template } = synth();
    const { startRun, fetchPage, finishRun } = stack.functions;
    const [stateMachine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const definition: string = stateMachine?.Properties.DefinitionString ?? '';
    const placeholders = new Set([...definition.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]));
    expect([...placeholders].sort()).toEqual([
      'FetchPageFunctionArn',
      'FinishRunFunctionArn',
      'Partition',
      'StartRunFunctionArn',
    ]);
    expect(stateMachine?.Properties.DefinitionSubstitutions).toEqual({
      Partition: { Ref: 'AWS::Partition' },
      StartRunFunctionArn: functionArn(stack, startRun),
      FetchPageFunctionArn: functionArn(stack, fetchPage),
      FinishRunFunctionArn: functionArn(stack, finishRun),
    });
  });

  it('logs errors, without execution data, to its own retained log group by default', () => {
    const { stack, template } = synth();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [logicalId(stack, stack.stateMachine.logGroup!), 'Arn'] },
            },
          },
        ],
      },
    });
    const logGroup = template.toJSON().Resources[logicalId(stack, stack.stateMachine.logGroup!)];
    expect(logGroup).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 30 } });
  });

  it('names its log group under /aws/vendedlogs/states/ with a suffix unique to the stack instance', () => {
    const { stack, template } = synth();
    const logGroup = template.toJSON().Resources[logicalId(stack, stack.stateMachine.logGroup!)];
    const [, parts] = logGroup.Properties.LogGroupName['Fn::Join'] as [string, unknown[]];
    expect(parts[0]).toBe('/aws/vendedlogs/states/Pagewalk-StateMachine-');
    // The last group of the stack id's UUID: a retained log group never blocks a redeployment.
    expect(JSON.stringify(parts[1])).toContain('"Ref":"AWS::StackId"');
  });

  it('logs at the level asked, with execution data when asked', () => {
    synth({ stateMachineLogLevel: 'ALL', includeExecutionData: true }).template.hasResourceProperties(
      'AWS::StepFunctions::StateMachine',
      { LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }) },
    );
  });

  it('has no log group and no logging permissions when logging is OFF', () => {
    const { stack, template } = synth({ stateMachineLogLevel: 'OFF' });
    expect(stack.stateMachine.logGroup).toBeUndefined();
    // The five functions' and the API's access logs remain.
    template.resourceCountIs('AWS::Logs::LogGroup', 6);
    const [stateMachine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(stateMachine?.Properties.LoggingConfiguration).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain(
      'logs:CreateLogDelivery',
    );
  });

  it('rejects an unknown log level, naming it and the choices', () => {
    expect(() => synth({ stateMachineLogLevel: 'DEBUG' as never })).toThrow(
      'stateMachineLogLevel must be one of ALL, ERROR, FATAL, OFF; got "DEBUG"',
    );
  });

  it('is not traced unless asked', () => {
    synth().template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: false },
    });
    synth({ tracing: true }).template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
    });
  });

  describe('refuses at synth a definition that would fail on AWS', () => {
    it('when it is not JSON', () => {
      expect(() => synth({ definitionPath: aslFile(scratch, 'broken', '{ "StartAt": ') })).toThrow(
        /is not valid JSON/,
      );
    });

    it('when it uses a placeholder nothing substitutes', () => {
      const asl = minimalAsl({ extraResource: placeholder('ArchiveFunctionArn') });
      expect(() => synth({ definitionPath: aslFile(scratch, 'unknown-placeholder', asl) })).toThrow(
        /uses placeholders with no substitution: \$\{ArchiveFunctionArn\}/,
      );
    });

    it('when it never calls one of the functions', () => {
      const asl = minimalAsl() as { States: Record<string, unknown> };
      asl.States['Finish run'] = { Type: 'Succeed' };
      expect(() => synth({ definitionPath: aslFile(scratch, 'unused-function', asl) })).toThrow(
        /never uses \$\{FinishRunFunctionArn\}/,
      );
    });

    it('when it invokes a qualified function ARN, which the state machine may not', () => {
      const asl = minimalAsl({ extraResource: 'arn:aws:states:::lambda:invoke' }) as {
        States: Record<string, Record<string, unknown>>;
      };
      (asl.States.Extra as Record<string, unknown>).Parameters = {
        FunctionName: `${placeholder('FetchPageFunctionArn')}:live`,
      };
      expect(() => synth({ definitionPath: aslFile(scratch, 'qualified', asl) })).toThrow(
        /invokes a qualified function ARN \(\$\{FetchPageFunctionArn\}:\.\.\.\)/,
      );
    });

    it('when a Task times out before the function it invokes', () => {
      const definitionPath = aslFile(scratch, 'short-task-timeout', minimalAsl({ fetchTimeoutSeconds: 90 }));
      expect(() => synth({ definitionPath, fetchPageTimeout: Duration.seconds(80) })).not.toThrow();
      expect(() => synth({ definitionPath, fetchPageTimeout: Duration.seconds(90) })).toThrow(
        `Task "Fetch page" in ${definitionPath} times out after 90 s, no later than its function's 90 s timeout`,
      );
    });

    it('when a Task calls a service the state machine is granted nothing for', () => {
      const asl = minimalAsl({ extraResource: 'arn:aws:states:::dynamodb:putItem' });
      expect(() => synth({ definitionPath: aslFile(scratch, 'unsupported-resource', asl) })).toThrow(
        /grants no permission for: arn:\$\{Partition\}:states:::dynamodb:putItem/,
      );
    });
  });
});
