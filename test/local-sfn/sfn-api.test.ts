import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { RunRecords } from '../../functions/lib/store/run-record';
import { TABLE_TAG } from '../../functions/lib/store/table-tags';
import {
  LOCAL_ROLE_ARN,
  LOCAL_STATE_MACHINE_ARN,
  localExecutionArn,
  localFunctionArn,
} from '../../local/engine';
import {
  ENDPOINT_TEST_SANDBOXES,
  failureOf,
  glueInput,
  harnessForThisFile,
  isWaiting,
  MARKETPLACES,
  parse,
  startOn,
  waitingInput,
} from './harness';

const h = harnessForThisFile(ENDPOINT_TEST_SANDBOXES);

const stateMachineArn = LOCAL_STATE_MACHINE_ARN;
const start = startOn(h);

describe('the state machine', () => {
  it('is listed alone and described with the ASL file and its local substitutions', async () => {
    const listed = await h().sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines).toEqual([
      expect.objectContaining({
        stateMachineArn,
        name: 'pagewalk',
        type: 'STANDARD',
        creationDate: expect.any(Date),
      }),
    ]);

    const described = await h().sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    expect(described).toMatchObject({ status: 'ACTIVE', type: 'STANDARD', roleArn: LOCAL_ROLE_ARN });
    const definition = JSON.parse(described.definition ?? '{}');
    expect(definition.StartAt).toBe('Start run');
    expect(definition.States['Fetch next page'].Resource).toBe(localFunctionArn('FetchPageFunctionArn'));
    expect(described.definition).not.toContain('${');
  });

  it('carries the table name as a tag, so clients that know only the endpoint find the runs', async () => {
    const { tags } = await h().sfn.send(new ListTagsForResourceCommand({ resourceArn: stateMachineArn }));
    expect(tags).toContainEqual({ key: TABLE_TAG, value: h().stack.tableName });
  });

  it('answers StateMachineDoesNotExist for another state machine and InvalidArn for a malformed one', async () => {
    const other = 'arn:aws:states:us-east-1:000000000000:stateMachine:other';
    expect(
      await failureOf(h().sfn.send(new StartExecutionCommand({ stateMachineArn: other, input: '{}' }))),
    ).toMatchObject({
      name: 'StateMachineDoesNotExist',
      message: expect.stringContaining(other),
      status: 400,
    });
    expect(
      await failureOf(h().sfn.send(new DescribeStateMachineCommand({ stateMachineArn: other }))),
    ).toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    expect(
      await failureOf(h().sfn.send(new ListExecutionsCommand({ stateMachineArn: 'not-an-arn' }))),
    ).toMatchObject({ name: 'InvalidArn' });
  });
});

describe('StartExecution and DescribeExecution', () => {
  it('runs a drain to SUCCEEDED and describes it with its input, output and dates', async () => {
    const input = glueInput('tiny');
    const started = await start('drain-tiny', input);
    expect(started.executionArn).toBe(localExecutionArn('drain-tiny'));
    expect(started.startDate).toBeInstanceOf(Date);

    const done = await h().waitForEnd(started.executionArn as string);
    expect(done).toMatchObject({
      executionArn: started.executionArn,
      stateMachineArn,
      name: 'drain-tiny',
      status: 'SUCCEEDED',
      startDate: started.startDate,
      input: JSON.stringify(input),
    });
    expect(done.stopDate?.getTime()).toBeGreaterThanOrEqual(done.startDate?.getTime() ?? Infinity);
    expect(parse(done.output)).toMatchObject({
      runId: 'drain-tiny',
      status: 'succeeded',
      pages: 3,
      items: 25,
    });
    expect(done.error).toBeUndefined();
  });

  it('names an execution with a UUID when no name is given, as Step Functions does', async () => {
    const started = await start(undefined, glueInput('tiny'));
    expect(started.executionArn).toMatch(/:execution:pagewalk:[0-9a-f-]{36}$/);
    expect((await h().waitForEnd(started.executionArn as string)).status).toBe('SUCCEEDED');
  });

  it('describes a run that fails with its error and cause', async () => {
    const started = await start('no-such-job', glueInput('no-such-job'));
    const done = await h().waitForEnd(started.executionArn as string);
    expect(done).toMatchObject({ status: 'FAILED', error: 'EntityNotFoundException' });
    expect(done.cause).toContain('no-such-job');
  });

  it('refuses input that is not JSON with InvalidExecutionInput, and names AWS refuses with InvalidName', async () => {
    expect(
      await failureOf(
        h().sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'bad-json', input: '{"source":' })),
      ),
    ).toMatchObject({ name: 'InvalidExecutionInput', status: 400 });
    expect(
      await failureOf(h().sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'a b', input: '{}' }))),
    ).toMatchObject({ name: 'InvalidName' });
    expect(
      await failureOf(
        h().sfn.send(new DescribeExecutionCommand({ executionArn: localExecutionArn('bad-json') })),
      ),
    ).toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  describe('when the input is hostile', () => {
    /** A raw AWS JSON 1.0 call, so the input reaches the server exactly as written. */
    const rawStart = async (input: string) => {
      const response = await fetch(h().server.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'X-Amz-Target': 'AWSStepFunctions.StartExecution',
        },
        body: JSON.stringify({ stateMachineArn, input }),
      });
      return {
        status: response.status,
        body: (await response.json()) as { __type?: string; message?: string },
      };
    };

    it('refuses an input nested 5,000 levels deep with InvalidExecutionInput and answers the next call', async () => {
      const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
      const refused = await rawStart(deep);
      expect(refused.status).toBe(400);
      expect(refused.body.__type).toBe('InvalidExecutionInput');
      expect(refused.body.message).toContain('nesting depth 5000');
      const listed = await h().sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1 }));
      expect(listed.executions).toBeInstanceOf(Array);
    });

    it('refuses an input over 256 KiB with a ValidationException, as AWS does', async () => {
      const big = JSON.stringify({ source: 'glue.getJobRuns', params: { JobName: 'x'.repeat(262_144) } });
      expect(
        await failureOf(h().sfn.send(new StartExecutionCommand({ stateMachineArn, input: big }))),
      ).toMatchObject({ name: 'ValidationException', status: 400 });
    });

    it('fails a null input at Start run with InvalidInput, not States.Runtime', async () => {
      const started = await h().sfn.send(new StartExecutionCommand({ stateMachineArn, input: 'null' }));
      const done = await h().waitForEnd(started.executionArn as string);
      expect(done).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
      expect(done.cause).toContain('got null');
      const events = await h().history(started.executionArn as string);
      expect(events[0]?.executionStartedEventDetails?.input).toBe('null');
      expect(
        events.find((e) => e.type === 'LambdaFunctionScheduled')?.lambdaFunctionScheduledEventDetails?.input,
      ).toContain('"input":null');
    });
  });

  describe('when a name is used again', () => {
    it('returns the running execution for the same input, and refuses other input', async () => {
      const input = waitingInput(MARKETPLACES[1]);
      const first = await start('same-name', input);
      await h().waitForHistory(first.executionArn as string, isWaiting);

      const again = await start('same-name', input);
      expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
      expect(await failureOf(start('same-name', { ...input, options: { maxPolls: 1 } }))).toMatchObject({
        name: 'ExecutionAlreadyExists',
        message: expect.stringContaining(first.executionArn as string),
      });

      await h().sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    });

    it('refuses the name of a finished execution, even with the same input', async () => {
      const input = glueInput('tiny');
      const first = await start('finished-name', input);
      await h().waitForEnd(first.executionArn as string);
      expect(await failureOf(start('finished-name', input))).toMatchObject({
        name: 'ExecutionAlreadyExists',
      });
    });
  });

  it('answers ExecutionDoesNotExist for an execution it never started', async () => {
    const executionArn = localExecutionArn('never-started');
    for (const call of [
      h().sfn.send(new DescribeExecutionCommand({ executionArn })),
      h().sfn.send(new GetExecutionHistoryCommand({ executionArn })),
      h().sfn.send(new StopExecutionCommand({ executionArn })),
    ]) {
      expect(await failureOf(call)).toMatchObject({
        name: 'ExecutionDoesNotExist',
        message: `Execution Does Not Exist: '${executionArn}'`,
        status: 400,
      });
    }
  });
});

describe('StopExecution', () => {
  it('aborts a running execution with the error and cause given, ending its history with ExecutionAborted', async () => {
    const started = await start('to-stop', waitingInput(MARKETPLACES[2]));
    const executionArn = started.executionArn as string;
    await h().waitForHistory(executionArn, isWaiting);
    expect((await h().sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    const stopped = await h().sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'enough for today' }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);

    const described = await h().sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'enough for today' });
    const events = await h().history(executionArn);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['WaitStateAborted', 'ExecutionAborted']);
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual({
      error: 'Operator',
      cause: 'enough for today',
    });
  });
});

describe('when an execution is stopped', () => {
  it('records its run stopped and frees the collection before StopExecution answers, so a resume starts at once', async () => {
    const started = await start('stop-then-resume', waitingInput(MARKETPLACES[3]));
    const executionArn = started.executionArn as string;
    await h().waitForHistory(executionArn, isWaiting);
    await h().sfn.send(new StopExecutionCommand({ executionArn }));

    const runs = new RunRecords(h().stack.documentClient, h().stack.tableName);
    expect(await runs.get('stop-then-resume')).toMatchObject({ status: 'stopped', executionArn });

    const resumed = await start(undefined, { resume: 'stop-then-resume' });
    const events = await h().waitForHistory(resumed.executionArn as string, isWaiting);
    expect(events.some((e) => e.type === 'ExecutionFailed')).toBe(false);
    expect(await runs.get('stop-then-resume')).toMatchObject({
      status: 'running',
      executionArn: resumed.executionArn,
    });
    await h().sfn.send(new StopExecutionCommand({ executionArn: resumed.executionArn }));
  });
});

describe('ListExecutions', () => {
  it('lists newest first, filters by status and pages with maxResults and nextToken', async () => {
    const names = ['list-a', 'list-b', 'list-c'];
    for (const name of names)
      await h().waitForEnd((await start(name, glueInput('tiny'))).executionArn as string);

    const all = await h().sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    const listed = all.executions?.map((e) => e.name) ?? [];
    expect(listed.slice(0, 3)).toEqual(['list-c', 'list-b', 'list-a']);
    const starts = all.executions?.map((e) => e.startDate?.getTime() ?? 0) ?? [];
    expect(starts).toEqual([...starts].sort((a, b) => b - a));

    const paged: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await h().sfn.send(
        new ListExecutionsCommand({ stateMachineArn, maxResults: 2, nextToken }),
      );
      expect(page.executions?.length).toBeLessThanOrEqual(2);
      paged.push(...(page.executions?.map((e) => e.name as string) ?? []));
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken);
    expect(paged).toEqual(listed);
    expect(pages).toBe(Math.ceil(listed.length / 2));

    const failed = await h().sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED' }));
    expect(failed.executions?.every((e) => e.status === 'FAILED')).toBe(true);
    const succeeded = await h().sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }),
    );
    expect(succeeded.executions?.map((e) => e.name)).toEqual(expect.arrayContaining(names));
    expect(succeeded.executions?.every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });

  it('refuses a nextToken it did not hand out', async () => {
    expect(
      await failureOf(h().sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken: 'forged' }))),
    ).toMatchObject({ name: 'InvalidToken' });
  });
});
