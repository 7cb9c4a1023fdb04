import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_STATE_MACHINE_ARN, localExecutionArn } from '../../local/engine';
import { collectionKeys } from '../../local/inspect';
import { SERVER_STOPPED } from '../../local/sfn/store';
import { type Harness, isWaiting, MARKETPLACES, startHarness, waitingInput } from './harness';

const stateMachineArn = LOCAL_STATE_MACHINE_ARN;
const dataDir = mkdtempSync(join(tmpdir(), 'pagewalk-sfn-'));
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ glue: { jobs: { tiny: 25 } }, dataDir });
});
afterAll(async () => {
  await h?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = async (name: string, input: unknown) =>
  (await h.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) })))
    .executionArn as string;

describe('when the server restarts on the same data folder', () => {
  it('keeps finished executions with their histories, and records running ones as aborted by the stop', async () => {
    const finished = await start('before-restart', {
      source: 'glue.getJobRuns',
      params: { JobName: 'tiny' },
      options: { pageSize: 10 },
    });
    const described = await h.waitForEnd(finished);
    const history = await h.history(finished);
    const running = await start('running-at-restart', waitingInput(MARKETPLACES[3]));
    await h.waitForHistory(running, isWaiting);

    await h.restartServer();

    expect(await h.sfn.send(new DescribeExecutionCommand({ executionArn: finished }))).toMatchObject({
      status: 'SUCCEEDED',
      startDate: described.startDate,
      stopDate: described.stopDate,
      input: described.input,
      output: described.output,
    });
    expect(await h.history(finished)).toEqual(history);

    expect(await h.sfn.send(new DescribeExecutionCommand({ executionArn: running }))).toMatchObject({
      status: 'ABORTED',
      error: SERVER_STOPPED.error,
      cause: SERVER_STOPPED.cause,
    });
    expect((await h.history(running)).at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: SERVER_STOPPED,
    });

    const listed = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(listed.executions?.map((e) => e.name)).toEqual(['running-at-restart', 'before-restart']);

    // The name stays taken, as on AWS.
    await expect(
      h.sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: 'before-restart', input: described.input }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('records an execution that was running when the server died as aborted, with a two-event history', async () => {
    const startDate = Date.now() - 60_000;
    writeFileSync(
      join(dataDir, 'crashed.execution.json'),
      JSON.stringify({
        executionArn: localExecutionArn('crashed'),
        stateMachineArn,
        name: 'crashed',
        status: 'RUNNING',
        startDate,
        input: '{"resume":"x"}',
      }),
    );
    await h.restartServer();

    const executionArn = localExecutionArn('crashed');
    expect(await h.sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'ABORTED',
      startDate: new Date(startDate),
      cause: SERVER_STOPPED.cause,
    });
    expect((await h.history(executionArn)).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'ExecutionAborted',
    ]);
    expect(readdirSync(dataDir)).toContain('crashed.history.json');
  });
});

describe('when an execution is stopped in the middle of a page', () => {
  it('serves its whole history, ending with ExecutionAborted, also after the page call returns late', async () => {
    h.glue.addRuns('mid-page', 10);
    h.glue.setLatency(150);
    try {
      const executionArn = await start('stopped-mid-page', {
        source: 'glue.getJobRuns',
        params: { JobName: 'mid-page' },
        options: { pageSize: 5 },
      });
      // In "Fetch first page", its call waiting for Glue (the call's events are placed when it ends).
      await h.waitForHistory(
        executionArn,
        (events) => events.at(-1)?.stateEnteredEventDetails?.name === 'Fetch first page',
      );
      await h.sfn.send(new StopExecutionCommand({ executionArn }));
      const stopped = await h.history(executionArn);
      expect(stopped[0]?.type).toBe('ExecutionStarted');
      expect(stopped.slice(-2).map((e) => e.type)).toEqual(['TaskStateAborted', 'ExecutionAborted']);

      // The Glue call in flight answers after the stop and its handler writes the page; its
      // late end must not replace the stored history with an empty one.
      const until = Date.now() + 5_000;
      while (
        (await collectionKeys(h.stack.documentClient, h.stack.tableName, 'glue.getJobRuns#mid-page'))
          .length === 0
      ) {
        if (Date.now() > until) throw new Error('the page in flight was never written');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await h.history(executionArn)).toEqual(stopped);
    } finally {
      h.glue.setLatency(0);
    }
  });
});
