import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_ROLE_ARN,
  LOCAL_STATE_MACHINE_ARN,
  localExecutionArn,
  localFunctionArn,
} from '../../local/engine';
import {
  ENDPOINT_TEST_SANDBOXES,
  glueInput,
  harnessForThisFile,
  MARKETPLACES,
  ordersInput,
  parse,
  startOn,
} from './harness';

const h = harnessForThisFile(ENDPOINT_TEST_SANDBOXES);

const stateMachineArn = LOCAL_STATE_MACHINE_ARN;
const start = startOn(h);

describe('GetExecutionHistory', () => {
  let executionArn: string;
  let events: HistoryEvent[];
  beforeAll(async () => {
    executionArn = (await start('history-run', glueInput('tiny'))).executionArn as string;
    await h().waitForEnd(executionArn);
    events = await h().history(executionArn);
  });

  it('records what AWS records for Lambda Task states: Entered, Scheduled, Started, Succeeded, Exited', async () => {
    expect(events.slice(0, 8).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
    ]);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.previousEventId)).toEqual(events.map((_, i) => i));
    const times = events.map((e) => e.timestamp?.getTime() ?? 0);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    expect(events[0]?.executionStartedEventDetails).toEqual({
      input: JSON.stringify(glueInput('tiny')),
      inputDetails: { truncated: false },
      roleArn: LOCAL_ROLE_ARN,
    });
    expect(events[1]?.stateEnteredEventDetails).toMatchObject({ name: 'Start run' });
    const fetch = events.find(
      (e) =>
        e.type === 'LambdaFunctionScheduled' &&
        parse(e.lambdaFunctionScheduledEventDetails?.input).call === 'origin',
    );
    expect(fetch?.lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: localFunctionArn('FetchPageFunctionArn'),
      timeoutInSeconds: 90,
    });
  });

  it("shows each page's page, items and restarts in the Task output (the cursor)", async () => {
    const cursors = events
      .filter((e) => e.type === 'LambdaFunctionSucceeded')
      .map((e) => parse(e.lambdaFunctionSucceededEventDetails?.output))
      .filter((output) => typeof output.page === 'number');
    expect(cursors.map(({ page, items, restarts }) => ({ page, items, restarts }))).toEqual([
      { page: 1, items: 10, restarts: 0 },
      { page: 2, items: 20, restarts: 0 },
      { page: 3, items: 25, restarts: 0 },
    ]);
    const exits = events.filter(
      (e) => e.type === 'TaskStateExited' && e.stateExitedEventDetails?.name?.startsWith('Fetch'),
    );
    expect(
      exits.map((e) => (parse(e.stateExitedEventDetails?.output).cursor as { page: number }).page),
    ).toEqual([1, 2, 3]);
  });

  it('pages with maxResults and nextToken, forwards and in reverse order', async () => {
    const read = async (reverseOrder: boolean, maxResults: number) => {
      const ids: number[] = [];
      let nextToken: string | undefined;
      do {
        const page = await h().sfn.send(
          new GetExecutionHistoryCommand({ executionArn, maxResults, reverseOrder, nextToken }),
        );
        expect(page.events?.length).toBeLessThanOrEqual(maxResults);
        ids.push(...(page.events?.map((e) => e.id as number) ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return ids;
    };
    const ids = events.map((e) => e.id as number);
    expect(await read(false, 7)).toEqual(ids);
    expect(await read(true, 5)).toEqual([...ids].reverse());
    expect(await read(true, 1000)).toEqual([...ids].reverse());
  });

  it('leaves out input and output when includeExecutionData is false', async () => {
    const page = await h().sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 3, includeExecutionData: false }),
    );
    expect(page.events?.[0]?.executionStartedEventDetails).toEqual({
      inputDetails: { truncated: false },
      roleArn: LOCAL_ROLE_ARN,
    });
    expect(page.events?.[2]?.lambdaFunctionScheduledEventDetails?.input).toBeUndefined();
  });

  it('records each retry as another Scheduled/Started after the failure, and a restart after a caught error', async () => {
    h().marketplace.throttleNext(2);
    h().marketplace.corruptNextTokens(1);
    const arn = (
      await start('retry-restart', {
        ...ordersInput(MARKETPLACES[0]),
        options: { pageSize: 20, pagesPerInvocation: 1 },
      })
    ).executionArn as string;
    expect((await h().waitForEnd(arn)).status).toBe('SUCCEEDED');
    const history = await h().history(arn);

    const firstFetch = history.findIndex((e) => e.stateEnteredEventDetails?.name === 'Fetch first page');
    expect(history.slice(firstFetch, firstFetch + 8).map((e) => e.type)).toEqual([
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
    ]);
    expect(history[firstFetch + 3]?.lambdaFunctionFailedEventDetails?.error).toBe('RequestThrottled');

    const caught = history.find(
      (e) =>
        e.type === 'LambdaFunctionFailed' &&
        e.lambdaFunctionFailedEventDetails?.error === 'NextTokenCorrupted',
    );
    const after = history[(caught?.id as number) ?? 0];
    expect(after?.type).toBe('TaskStateExited');
    expect(history[(caught?.id as number) + 1]?.stateEnteredEventDetails?.name).toBe(
      'Restart from first page',
    );
    const last = parse(history.at(-1)?.executionSucceededEventDetails?.output);
    expect(last).toMatchObject({ status: 'succeeded', items: 60, restarts: 1 });
  });
});

describe('continue as new', () => {
  it('lists the executions the machine starts itself, with TaskScheduled events for states:startExecution', async () => {
    const first = await start(
      'segmented',
      glueInput('small', { pageSize: 10, iterationsPerExecution: 2, pagesPerInvocation: 1 }),
    );
    const firstArn = first.executionArn as string;
    const head = await h().waitForEnd(firstArn);
    const continued = parse(head.output).continuedAs as { executionArn: string };
    expect(continued.executionArn).toBe(localExecutionArn('segmented-s2'));

    let arn = continued.executionArn;
    let last = await h().waitForEnd(arn);
    while (parse(last.output).continuedAs) {
      arn = (parse(last.output).continuedAs as { executionArn: string }).executionArn;
      last = await h().waitForEnd(arn);
    }
    expect(parse(last.output)).toMatchObject({ status: 'succeeded', items: 50, segment: 3 });

    const listed = await h().sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(listed.executions?.map((e) => e.name)).toEqual(
      expect.arrayContaining(['segmented', 'segmented-s2', 'segmented-s3']),
    );
    const s2 = await h().sfn.send(
      new DescribeExecutionCommand({ executionArn: localExecutionArn('segmented-s2') }),
    );
    expect(parse(s2.input)).toMatchObject({ continue: { runId: 'segmented', segment: 2 } });

    const history = await h().history(firstArn);
    const types = history.map((e) => e.type);
    expect(types.slice(-6)).toEqual([
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    const scheduled = history.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({
      resourceType: 'states',
      resource: 'startExecution',
      region: 'us-east-1',
    });
    expect(parse(scheduled?.parameters)).toMatchObject({
      StateMachineArn: stateMachineArn,
      Name: 'segmented-s2',
    });
  });
});
