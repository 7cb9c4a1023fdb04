import { GetExecutionHistoryCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { LOCAL_STATE_MACHINE_ARN } from '../../local/engine';
import { ALL_JOBS_ARN, consoleHarnessForThisFile } from './support';

const h = consoleHarnessForThisFile({
  glue: { jobs: { tiny: 30, other: 3, quiet: 0 } },
  marketplace: { customers: 5 },
});

const glue = (
  JobName: string,
  options: Record<string, unknown> = { pageSize: 10, pagesPerInvocation: 1 },
) => ({
  source: 'glue.getJobRuns',
  params: { JobName },
  options,
});

const states = async (arn: string) => (await h().api('execution/states', { arn })).body;

describe('the run API on the local endpoint (functions/api.ts with API Gateway events)', () => {
  it('starts a run on POST /runs and answers its record on GET /runs/{runId}', async () => {
    const posted = await h().request('POST', '/runs', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(glue('tiny')),
    });
    expect(posted.status).toBe(202);
    const { runId, executionArn } = JSON.parse(posted.text);
    expect((await h().waitForEnd(executionArn)).status).toBe('SUCCEEDED');
    const read = await h().request('GET', `/runs/${runId}`);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text)).toMatchObject({ runId, status: 'succeeded', items: 30, pages: 3 });
  });

  it('answers a bad body 400 naming the field and allowed values, and starts nothing', async () => {
    const before = (await h().api('executions', { stateMachineArn: LOCAL_STATE_MACHINE_ARN })).body.total;
    const posted = await h().request('POST', '/runs', {
      body: JSON.stringify(glue('tiny', { pageSize: 500 })),
    });
    expect(posted.status).toBe(400);
    expect(JSON.parse(posted.text)).toEqual({
      error: 'InvalidInput',
      message: 'options.pageSize must be an integer from 1 to 200 for glue.getJobRuns; got 500',
    });
    expect((await h().api('executions', { stateMachineArn: LOCAL_STATE_MACHINE_ARN })).body.total).toBe(
      before,
    );
  });

  it("answers 404 for an unknown run, and API Gateway's own 404 for a route it does not declare", async () => {
    expect(JSON.parse((await h().request('GET', '/runs/no-such-run')).text).error).toBe('RunNotFound');
    const undeclared = await h().request('GET', '/runs');
    expect(undeclared.status).toBe(404);
    expect(JSON.parse(undeclared.text)).toEqual({ message: 'Not Found' });
  });
});

describe('what the console reads of an execution', () => {
  it('colours a drained run: each state it went through succeeded, the rest not run', async () => {
    const arn = await h().start('drained', glue('tiny'));
    await h().waitForEnd(arn);
    const summary = await states(arn);
    expect(summary.states['Fetch next page']).toMatchObject({ status: 'succeeded', entered: 2, retries: 0 });
    expect(summary.states['Record completion'].status).toBe('succeeded');
    expect(summary.states['Run failed'].status).toBe('notRun');
    expect(summary.edges).toContainEqual({ from: 'Fetch next page', to: 'More pages?', count: 2 });
    const history = await h().sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }),
    );
    expect(summary.events).toBe(history.events?.length);
    expect(summary.transitions).toBe(history.events?.filter((e) => e.type?.endsWith('StateEntered')).length);
  });

  it('marks a state retried after a throttle, with its retries counted', async () => {
    h().glue.throttleNext(2);
    const arn = await h().start('throttled', glue('other'));
    await h().waitForEnd(arn);
    const summary = await states(arn);
    expect(summary.states['Fetch first page']).toMatchObject({ status: 'retried', retries: 2, entered: 1 });
    expect(summary.retries).toBe(2);
  });

  it('shows a failed run: the fetch caught, the Fail state failed, the error on the state and the events', async () => {
    const arn = await h().start('<b>failed</b>'.replace(/[<>/]/g, '_'), glue('no-such-job'));
    expect((await h().waitForEnd(arn)).status).toBe('FAILED');
    const summary = await states(arn);
    expect(summary.states['Fetch first page'].status).toBe('caught');
    expect(summary.states['Record failure'].status).toBe('succeeded');
    expect(summary.states['Run failed'].status).toBe('failed');
    const fetch = (await h().api('execution/state', { arn, name: 'Fetch first page' })).body;
    expect(fetch.errors.map((e: { error: string }) => e.error)).toEqual(['EntityNotFoundException']);
    expect(JSON.parse(fetch.input)).toMatchObject({ startedAs: 'new' });
    const events = (await h().api('execution/events', { arn, page: 1 })).body;
    const failed = events.items.filter((e: { failure: boolean }) => e.failure);
    expect(failed.map((e: { type: string }) => e.type)).toEqual(['LambdaFunctionFailed', 'ExecutionFailed']);
    expect(failed[0].state).toBe('Fetch first page');
  });

  it('shows a stopped run: the state it waited in stopped, and the run record says stopped', async () => {
    const arn = await h().start('waiting', {
      source: 'marketplace.customers',
      params: { MarketplaceId: 'ATVPDKIKX0DER' },
      options: { pollIntervalSeconds: 3600 },
    });
    const until = Date.now() + 10_000;
    while ((await states(arn)).states['Wait for more results'].status !== 'running') {
      if (Date.now() > until) throw new Error('never reached the Wait state');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await h().sfn.send(new StopExecutionCommand({ executionArn: arn }));
    expect((await states(arn)).states['Wait for more results'].status).toBe('stopped');
    expect((await h().api('execution/run', { arn })).body.record.status).toBe('stopped');
  });

  it('pages the events 25 at a time, oldest or newest first, each with its state', async () => {
    const arn = await h().start('paged', glue('tiny', { pageSize: 1, pagesPerInvocation: 1 }));
    await h().waitForEnd(arn);
    const first = (await h().api('execution/events', { arn, page: 1 })).body;
    expect(first.items.map((e: { id: number }) => e.id)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(first.pages).toBe(Math.ceil(first.total / 25));
    const second = (await h().api('execution/events', { arn, page: 2 })).body;
    expect(second.items[0].id).toBe(26);
    const newest = (await h().api('execution/events', { arn, page: 1, order: 'desc' })).body;
    expect(newest.items[0]).toMatchObject({ id: first.total, type: 'ExecutionSucceeded' });
    expect(first.items.find((e: { type: string }) => e.type === 'LambdaFunctionSucceeded').state).toBe(
      'Start run',
    );
  });

  it('reads the run record and links the segments a continued run went through', async () => {
    const arn = await h().start(
      'segmented',
      glue('tiny', { pageSize: 10, pagesPerInvocation: 1, iterationsPerExecution: 1 }),
    );
    // The first segment ends when it has started the second: wait for the run, not the execution.
    let run = (await h().api('execution/run', { arn })).body;
    const until = Date.now() + 10_000;
    while (run.record?.status !== 'succeeded' && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      run = (await h().api('execution/run', { arn })).body;
    }
    expect(run).toMatchObject({ kind: 'run', runId: 'segmented', childCount: 1 });
    expect(Object.keys(run.record.segments).length).toBeGreaterThan(1);
    expect(run.children[0].executionArn).toBe(run.record.segments['2'].executionArn);
    const child = (await h().api('execution/run', { arn: run.children[0].executionArn })).body;
    expect(child.startedBy).toBe(arn);
  });

  it('exports an execution with every history event, as a file', async () => {
    const arn = `${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:drained`;
    const answer = await h().request('GET', `/console/api/execution/export?arn=${encodeURIComponent(arn)}`);
    expect(answer.headers['content-disposition']).toBe('attachment; filename="drained.json"');
    const exported = JSON.parse(answer.text);
    expect(exported.execution).toMatchObject({ name: 'drained', status: 'SUCCEEDED' });
    expect(exported.events.length).toBe((await states(arn)).events);
  });
});

describe('the executions list and Start execution', () => {
  it('filters by status, searches by name in any case and pages 25 at a time', async () => {
    const all = (await h().api('executions', { stateMachineArn: LOCAL_STATE_MACHINE_ARN })).body;
    expect(all.counts.FAILED).toBe(1);
    const failed = (
      await h().api('executions', { stateMachineArn: LOCAL_STATE_MACHINE_ARN, status: 'FAILED' })
    ).body;
    expect(failed.items.map((e: { name: string }) => e.name)).toEqual(['_b_failed__b_']);
    const found = (await h().api('executions', { stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: 'SEGMENT' }))
      .body;
    expect(found.items.map((e: { name: string }) => e.name)).toContain('segmented');
    expect(found.items.every((e: { name: string }) => e.name.includes('segment'))).toBe(true);
  });

  it('offers an example input per source of the schema, the default Glue drain first', async () => {
    const examples = (await h().api('examples', { stateMachineArn: LOCAL_STATE_MACHINE_ARN })).body;
    expect(examples[0]).toEqual({
      label: 'glue.getJobRuns',
      input: { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' } },
    });
    for (const example of examples) {
      const checked = await h().request('POST', '/console/api/check-input', {
        body: JSON.stringify({
          stateMachineArn: LOCAL_STATE_MACHINE_ARN,
          input: JSON.stringify(example.input),
        }),
      });
      expect(JSON.parse(checked.text), example.label).toEqual({ ok: true });
    }
  });

  it.each([
    [
      'an option out of range',
      '{"source":"glue.getJobRuns","params":{"JobName":"j"},"options":{"pageSize":0}}',
      'InvalidInput',
      'options.pageSize must be an integer from 1 to 200 for glue.getJobRuns; got 0',
    ],
    [
      'text that is not JSON',
      '{"source": ',
      'InvalidExecutionInput',
      'Invalid State Machine Execution Input',
    ],
    [
      'an unknown field',
      '{"source":"glue.getJobRuns","params":{"JobName":"j"},"sauce":1}',
      'InvalidInput',
      'sauce',
    ],
  ])('refuses %s with the message Start run gives', async (_what, input, error, message) => {
    const checked = await h().request('POST', '/console/api/check-input', {
      body: JSON.stringify({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, input }),
    });
    const answer = JSON.parse(checked.text);
    expect(answer).toMatchObject({ ok: false, error });
    expect(answer.message).toContain(message);
  });

  it('refuses a name StartExecution would refuse, saying what a name may hold', async () => {
    const checked = await h().request('POST', '/console/api/check-input', {
      body: JSON.stringify({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: 'my run', input: '{}' }),
    });
    const answer = JSON.parse(checked.text);
    expect(answer).toMatchObject({ ok: false, error: 'InvalidName' });
    expect(answer.message).toContain('with no whitespace');
    expect(answer.message).toContain('got "my run"');
  });

  it('serves the all-jobs machine too: its sync input is checked as Start sync checks it, and its children are linked', async () => {
    const bad = await h().request('POST', '/console/api/check-input', {
      body: JSON.stringify({
        stateMachineArn: ALL_JOBS_ARN,
        input: '{"source":"glue.getJobRuns","params":{}}',
      }),
    });
    expect(JSON.parse(bad.text).message).toContain('source must be glue.allJobs');
    const arn = await h().start(
      'sync',
      { source: 'glue.allJobs', params: {}, options: { maxConcurrency: 2 } },
      ALL_JOBS_ARN,
    );
    await h().waitForEnd(arn);
    const run = (await h().api('execution/run', { arn })).body;
    expect(run.kind).toBe('sync');
    expect(run.record.status).toBeDefined();
    expect(run.childCount).toBeGreaterThanOrEqual(3);
    const summary = await states(arn);
    expect(summary.states['Sync job'].entered).toBeGreaterThanOrEqual(3);
    // Its iterations overlap: each visit's call is placed with the visit that ended, none timed out.
    expect(summary.states['Sync job'].status).toBe('succeeded');
  });
});
