import { describe, expect, it } from 'vitest';
import type { PagewalkStackProps } from '../../infra/pagewalk-stack';
import { iamStatements, type RoleStatement, synth } from './support';

const CONTEXT = 'kms:EncryptionContext:aws:states:stateMachineArn';
/** The context CDK's own grant names: the state machine's ARN built from its name. */
const ownArn = (name: string) =>
  `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:${name}`;
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const NIGHTLY = {
  name: 'nightly-etl',
  schedule: 'cron(0 3 * * ? *)',
  input: { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' } },
};

const byText = (statements: RoleStatement[]) =>
  [...statements].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** Every statement that lets a role use a key in a state machine's encryption context, in text order. */
function executionKeyGrants(props: PagewalkStackProps): RoleStatement[] {
  const { stack, template } = synth(props);
  return byText(
    iamStatements(stack, template).filter((s) =>
      Object.keys((s.condition as { StringEquals?: object } | undefined)?.StringEquals ?? {}).includes(
        CONTEXT,
      ),
    ),
  );
}

const grant = (role: string, stateMachine: string, key = 'Key.Arn'): RoleStatement => ({
  role,
  actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
  resources: [key],
  condition: { StringEquals: { [CONTEXT]: stateMachine } },
});

describe('callers of a state machine encrypted with a customer managed key', () => {
  it('get nothing on any key without one, whoever starts, describes or stops executions', () => {
    expect(executionKeyGrants({ syncSchedule: 'rate(1 day)', schedules: [NIGHTLY] })).toEqual([]);
  });

  it("each get kms:Decrypt and kms:GenerateDataKey in the encryption context of exactly the state machine they call, and the state machines keep CDK's one grant for their own", () => {
    const grants = executionKeyGrants({
      customerManagedKey: true,
      syncSchedule: 'rate(1 day)',
      schedules: [NIGHTLY],
    });

    expect(grants).toEqual(
      byText([
        // The all-jobs sync: its own history (CDK), and the children it starts, describes and stops.
        grant('AllJobsRole', ownArn('Pagewalk-AllJobs')),
        grant('AllJobsRole', 'StateMachine'),
        // POST /runs starts pagewalk executions.
        grant('ApiHandlerRole', 'StateMachine'),
        // The schedules start both state machines, each in its own context.
        grant('SchedulesRole', 'AllJobs'),
        grant('SchedulesRole', 'StateMachine'),
        // The pagewalk state machine: its own history and its continue-as-new, CDK's grant only.
        grant('StateMachineRole', ownArn('Pagewalk-StateMachine')),
      ]),
    );
  });

  it('give the schedules role the context of only the state machines a schedule starts', () => {
    const onlyAllJobs = executionKeyGrants({ customerManagedKey: true, syncSchedule: 'rate(1 day)' });
    expect(onlyAllJobs.filter((s) => s.role === 'SchedulesRole')).toEqual([
      grant('SchedulesRole', 'AllJobs'),
    ]);

    const onlyPagewalk = executionKeyGrants({ customerManagedKey: true, schedules: [NIGHTLY] });
    expect(onlyPagewalk.filter((s) => s.role === 'SchedulesRole')).toEqual([
      grant('SchedulesRole', 'StateMachine'),
    ]);
  });

  it('name a key given by ARN in the same grants', () => {
    const grants = executionKeyGrants({ encryptionKeyArn: KEY_ARN, allJobs: true });
    expect(grants).toEqual(
      byText([
        grant('AllJobsRole', ownArn('Pagewalk-AllJobs'), KEY_ARN),
        grant('AllJobsRole', 'StateMachine', KEY_ARN),
        grant('ApiHandlerRole', 'StateMachine', KEY_ARN),
        grant('StateMachineRole', ownArn('Pagewalk-StateMachine'), KEY_ARN),
      ]),
    );
  });

  it('leave the API out when there is no API', () => {
    const grants = executionKeyGrants({ customerManagedKey: true, api: false });
    expect(grants).toEqual([grant('StateMachineRole', ownArn('Pagewalk-StateMachine'))]);
  });
});
