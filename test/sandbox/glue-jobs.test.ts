import { GetJobRunsCommand, GetJobsCommand, type GlueClient, ListJobsCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GlueSandbox, startGlueSandbox } from '../../local/sandbox/glue';
import { errorOf, sandboxGlueClient } from '../support/glue-client';

const JOBS = { 'c-job': 3, 'a-job': 2, 'b-job': 0, 'd-job': 5, 'e-job': 1 };

let sandbox: GlueSandbox;
let glue: GlueClient;

beforeAll(async () => {
  sandbox = await startGlueSandbox({ jobs: JOBS });
  glue = sandboxGlueClient(sandbox.url);
});
afterAll(async () => {
  glue.destroy();
  await sandbox?.close();
});

describe('ListJobs and GetJobs', () => {
  it('list every job name in pages, in name order, with a NextToken until the last page', async () => {
    const first = await glue.send(new ListJobsCommand({ MaxResults: 2 }));
    const second = await glue.send(new ListJobsCommand({ MaxResults: 2, NextToken: first.NextToken }));
    const third = await glue.send(new ListJobsCommand({ MaxResults: 2, NextToken: second.NextToken }));

    expect([first.JobNames, second.JobNames, third.JobNames]).toEqual([
      ['a-job', 'b-job'],
      ['c-job', 'd-job'],
      ['e-job'],
    ]);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(third.NextToken).toBeUndefined();
  });

  it('serve whole job definitions on GetJobs, with timestamps the SDK reads as dates', async () => {
    const out = await glue.send(new GetJobsCommand({ MaxResults: 1 }));

    expect(out.Jobs).toHaveLength(1);
    expect(out.Jobs?.[0]).toMatchObject({ Name: 'a-job', Command: { Name: 'glueetl' }, GlueVersion: '4.0' });
    expect(out.Jobs?.[0]?.CreatedOn).toEqual(new Date('2023-12-01T00:00:00Z'));
    expect(out.NextToken).toEqual(expect.any(String));
  });

  it('refuse a token minted by the other operation, as an invalid one', async () => {
    const listed = await glue.send(new ListJobsCommand({ MaxResults: 1 }));

    const error = await errorOf(glue.send(new GetJobsCommand({ NextToken: listed.NextToken })));

    expect(error.name).toBe('InvalidInputException');
  });

  it('refuse MaxResults outside 1..1000 with a ValidationException', async () => {
    const error = await errorOf(glue.send(new ListJobsCommand({ MaxResults: 1001 })));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("Value '1001' at 'maxResults'");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe('growing and changing a job while the sandbox runs', () => {
  it('adds runs newest first through the admin call, with the state asked for', async () => {
    const response = await fetch(`${sandbox.url}/_sandbox/add-runs`, {
      method: 'POST',
      body: JSON.stringify({ JobName: 'e-job', Count: 2, JobRunState: 'RUNNING' }),
    });
    expect(await response.json()).toEqual({ JobName: 'e-job', RunCount: 3 });

    const out = await glue.send(new GetJobRunsCommand({ JobName: 'e-job' }));

    expect(out.JobRuns?.map((r) => r.JobRunState)).toEqual([
      'RUNNING',
      'RUNNING',
      expect.stringMatching(/SUCCEEDED|FAILED/),
    ]);
    expect(out.JobRuns?.[0]?.CompletedOn).toBeUndefined();
    expect(out.JobRuns?.map((r) => r.Id)).toEqual(sandbox.jobRunIds('e-job'));
  });

  it('refuses an admin call with an unknown state, naming the allowed ones', async () => {
    const response = await fetch(`${sandbox.url}/_sandbox/add-runs`, {
      method: 'POST',
      body: JSON.stringify({ JobName: 'e-job', Count: 1, JobRunState: 'DONE' }),
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { Message: string }).Message).toContain(
      'JobRunState must be one of STARTING, RUNNING',
    );
    expect(sandbox.runCount('e-job')).toBe(3);
  });

  it('reports a new state for a run once it finishes', async () => {
    const [newest] = sandbox.jobRunIds('d-job');
    sandbox.setRunState('d-job', newest as string, 'TIMEOUT');

    const out = await glue.send(new GetJobRunsCommand({ JobName: 'd-job', MaxResults: 1 }));

    expect(out.JobRuns?.[0]).toMatchObject({ Id: newest, JobRunState: 'TIMEOUT' });
  });

  it('fails every GetJobRuns of a job switched to fail, with the error asked for', async () => {
    sandbox.failJob('c-job');

    const error = await errorOf(glue.send(new GetJobRunsCommand({ JobName: 'c-job' })));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});
