import { GetJobRunsCommand, type GetJobRunsCommandOutput, GlueClient } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BASE_EPOCH_SECONDS, type GlueSandbox, startGlueSandbox } from '../../local/sandbox/glue';
import { errorOf, sandboxGlueClient } from '../support/glue-client';

const JOBS = {
  'nightly-etl': 4321,
  'two-hundred-one': 201,
  'growing-job': 450,
  'empty-job': 0,
};

let sandbox: GlueSandbox;
let glue: GlueClient;

function getJobRuns(
  JobName: string,
  MaxResults?: number,
  NextToken?: string,
): Promise<GetJobRunsCommandOutput> {
  return glue.send(new GetJobRunsCommand({ JobName, MaxResults, NextToken }));
}

/** Pages through a job with the real SDK, returning every run Id in the order served. */
async function drain(jobName: string, pageSize: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await getJobRuns(jobName, pageSize, token);
    pages++;
    for (const run of page.JobRuns ?? []) ids.push(run.Id!);
    token = page.NextToken;
  } while (token);
  return { ids, pages };
}

beforeAll(async () => {
  sandbox = await startGlueSandbox({ jobs: JOBS });
  glue = sandboxGlueClient(sandbox.url);
});

afterAll(async () => {
  glue.destroy();
  await sandbox.close();
});

beforeEach(() => {
  sandbox.resetStats();
});

describe('Glue sandbox GetJobRuns via the real GlueClient', () => {
  it('returns runs newest first with epoch-second timestamps the SDK parses into Dates', async () => {
    const page = await getJobRuns('nightly-etl', 5);
    const runs = page.JobRuns ?? [];

    expect(runs).toHaveLength(5);
    expect(runs.map((run) => run.Id)).toEqual(sandbox.jobRunIds('nightly-etl').slice(0, 5));
    for (const run of runs) {
      expect(run.Id).toMatch(/^jr_[0-9a-f]{64}$/);
      expect(run.JobName).toBe('nightly-etl');
      expect(run.StartedOn).toBeInstanceOf(Date);
      expect(run.CompletedOn).toBeInstanceOf(Date);
      expect(run.LastModifiedOn).toBeInstanceOf(Date);
      expect(run.CompletedOn!.getTime()).toBeGreaterThan(run.StartedOn!.getTime());
      expect(run.WorkerType).toBe('G.1X');
      expect(run.GlueVersion).toBe('4.0');
      expect(run.Arguments?.['--run-date']).toBe(run.StartedOn!.toISOString().slice(0, 10));
    }
    const started = runs.map((run) => run.StartedOn!.getTime());
    expect(started).toEqual([...started].sort((a, b) => b - a));
    // The newest run (index 4320) started 4320 hours after the base epoch.
    expect(Math.floor(started[0]! / 1000)).toBe(BASE_EPOCH_SECONDS + 4320 * 3600);
    expect(page.NextToken).toEqual(expect.any(String));
  });

  it('pages through exactly 201 runs as 200 + 1 with no NextToken on the last page', async () => {
    const first = await getJobRuns('two-hundred-one', 200);
    expect(first.JobRuns).toHaveLength(200);
    expect(first.NextToken).toBeTruthy();

    const last = await getJobRuns('two-hundred-one', 200, first.NextToken);
    expect(last.JobRuns).toHaveLength(1);
    expect(last.NextToken).toBeUndefined();

    const served = [...(first.JobRuns ?? []), ...(last.JobRuns ?? [])].map((run) => run.Id);
    expect(served).toEqual(sandbox.jobRunIds('two-hundred-one'));
    expect(sandbox.stats.requests.map((request) => request.body)).toEqual([
      { JobName: 'two-hundred-one', MaxResults: 200 },
      { JobName: 'two-hundred-one', MaxResults: 200, NextToken: first.NextToken },
    ]);
  });

  it('drains a 4321-run job completely with no duplicates', async () => {
    const { ids, pages } = await drain('nightly-etl', 200);
    expect(pages).toBe(22);
    expect(new Set(ids).size).toBe(4321);
    expect(ids).toEqual(sandbox.jobRunIds('nightly-etl'));
    expect(sandbox.stats.byOperation).toEqual({ GetJobRuns: 22 });
  });

  it('uses a page of 100 when MaxResults is omitted', async () => {
    const page = await getJobRuns('nightly-etl');
    expect(page.JobRuns).toHaveLength(100);
  });

  it('gives an empty page without NextToken for a job with 0 runs', async () => {
    const page = await getJobRuns('empty-job');
    expect(page.JobRuns).toEqual([]);
    expect(page.NextToken).toBeUndefined();
  });

  it("fails an unknown job with EntityNotFoundException and Glue's message", async () => {
    const error = await errorOf(getJobRuns('no-such-job'));
    expect(error.name).toBe('EntityNotFoundException');
    expect(error.message).toBe('Job with name: no-such-job not found.');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('rejects a tampered NextToken with InvalidInputException', async () => {
    const { NextToken } = await getJobRuns('nightly-etl', 10);
    const token = NextToken!;
    const middle = Math.floor(token.length / 2);
    const flipped = token[middle] === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, middle)}${flipped}${token.slice(middle + 1)}`;

    for (const bad of [tampered, `${token}A`, token.slice(0, -1), 'not-a-token']) {
      const error = await errorOf(getJobRuns('nightly-etl', 10, bad));
      expect(error.name).toBe('InvalidInputException');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
  });

  it('rejects a NextToken minted for another job with InvalidInputException', async () => {
    const { NextToken } = await getJobRuns('nightly-etl', 10);
    const error = await errorOf(getJobRuns('growing-job', 10, NextToken));
    expect(error.name).toBe('InvalidInputException');
  });

  it('rejects MaxResults 201 and 0 with ValidationException', async () => {
    const tooMany = await errorOf(getJobRuns('nightly-etl', 201));
    expect(tooMany.name).toBe('ValidationException');
    expect(tooMany.message).toBe(
      "1 validation error detected: Value '201' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 200",
    );
    expect(tooMany.$metadata.httpStatusCode).toBe(400);

    const zero = await errorOf(getJobRuns('nightly-etl', 0));
    expect(zero.name).toBe('ValidationException');
  });

  it('keeps pages stable when newer runs are appended mid-drain', async () => {
    const before = sandbox.jobRunIds('growing-job');
    const first = await getJobRuns('growing-job', 200);
    sandbox.addRuns('growing-job', 75);
    const ids = (first.JobRuns ?? []).map((run) => run.Id);
    let token = first.NextToken;
    while (token) {
      const page = await getJobRuns('growing-job', 200, token);
      ids.push(...(page.JobRuns ?? []).map((run) => run.Id));
      token = page.NextToken;
    }
    // The drain sees exactly the runs that existed when it started, in order.
    expect(ids).toEqual(before);
    // A fresh drain sees the appended runs first.
    const after = sandbox.jobRunIds('growing-job');
    expect(after).toHaveLength(525);
    expect(after.slice(75)).toEqual(before);
    const fresh = await getJobRuns('growing-job', 75);
    expect((fresh.JobRuns ?? []).map((run) => run.Id)).toEqual(after.slice(0, 75));
  });

  it('throttles the next n calls with ThrottlingException', async () => {
    sandbox.throttleNext(2);
    for (let i = 0; i < 2; i++) {
      const error = await errorOf(getJobRuns('nightly-etl', 1));
      expect(error.name).toBe('ThrottlingException');
      expect(error.message).toBe('Rate exceeded');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    await expect(getJobRuns('nightly-etl', 1)).resolves.toMatchObject({ JobRuns: [expect.anything()] });
    expect(sandbox.stats.throttled).toBe(2);
    expect(sandbox.stats.calls).toBe(3);
  });

  it('answers 500 InternalServiceException when told to fail', async () => {
    sandbox.failNext(1);
    const error = await errorOf(getJobRuns('nightly-etl', 1));
    expect(error.name).toBe('InternalServiceException');
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(sandbox.stats.serverErrors).toBe(1);
    await expect(getJobRuns('nightly-etl', 1)).resolves.toMatchObject({ JobRuns: [expect.anything()] });
  });

  it('answers OperationTimeoutException when told to time out', async () => {
    sandbox.timeoutNext(1);
    const error = await errorOf(getJobRuns('nightly-etl', 1));
    expect(error.name).toBe('OperationTimeoutException');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers 503 ServiceUnavailable to everything while down', async () => {
    sandbox.down(true);
    try {
      const error = await errorOf(getJobRuns('nightly-etl', 1));
      expect(error.name).toBe('ServiceUnavailable');
      expect(error.$metadata.httpStatusCode).toBe(503);
    } finally {
      sandbox.down(false);
    }
    await expect(getJobRuns('nightly-etl', 1)).resolves.toMatchObject({ JobRuns: [expect.anything()] });
  });

  it('throttles a seeded fraction of calls when throttleRate is set', async () => {
    const seeded = await startGlueSandbox({ jobs: { job: 1 }, throttleRate: 0.5, seed: 'fixed' });
    const client = new GlueClient({
      region: 'us-east-1',
      endpoint: seeded.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 40; i++) {
        outcomes.push(
          await client.send(new GetJobRunsCommand({ JobName: 'job' })).then(
            () => 'ok',
            (error: Error) => error.name,
          ),
        );
      }
      const throttled = outcomes.filter((outcome) => outcome === 'ThrottlingException').length;
      expect(throttled).toBe(seeded.stats.throttled);
      expect(throttled).toBeGreaterThan(5);
      expect(throttled).toBeLessThan(35);
    } finally {
      client.destroy();
      await seeded.close();
    }
  });

  it('adds latency to each call', async () => {
    sandbox.setLatency(60);
    try {
      const started = performance.now();
      await getJobRuns('empty-job');
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      sandbox.setLatency(0);
    }
  });
});

describe('Glue sandbox wire format', () => {
  const post = (target: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${sandbox.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/glue/aws4_request',
        ...headers,
      },
      body,
    });

  it('speaks AWS JSON 1.1: epoch-number timestamps, __type errors, x-amzn headers', async () => {
    const ok = await post('AWSGlue.GetJobRuns', JSON.stringify({ JobName: 'nightly-etl', MaxResults: 2 }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(ok.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await ok.json()) as { JobRuns: Array<Record<string, unknown>>; NextToken?: string };
    expect(body.JobRuns).toHaveLength(2);
    expect(typeof body.NextToken).toBe('string');
    const [run] = body.JobRuns;
    expect(typeof run?.StartedOn).toBe('number');
    expect(typeof run?.CompletedOn).toBe('number');
    expect(typeof run?.LastModifiedOn).toBe('number');
    // Seconds, not milliseconds: the newest run is mid-2024.
    expect(run?.StartedOn as number).toBeGreaterThan(BASE_EPOCH_SECONDS);
    expect(run?.StartedOn as number).toBeLessThan(2_000_000_000);
    const size = JSON.stringify(run).length;
    expect(size).toBeGreaterThan(500);
    expect(size).toBeLessThan(900);

    const missing = await post('AWSGlue.GetJobRuns', JSON.stringify({ JobName: 'nope' }));
    expect(missing.status).toBe(400);
    expect(missing.headers.get('x-amzn-errortype')).toBe('EntityNotFoundException');
    expect(await missing.json()).toEqual({
      __type: 'EntityNotFoundException',
      Message: 'Job with name: nope not found.',
    });
  });

  it('rejects unsigned requests, unknown operations and malformed JSON', async () => {
    const unsigned = await post('AWSGlue.GetJobRuns', '{"JobName":"nightly-etl"}', { authorization: '' });
    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe(
      'MissingAuthenticationTokenException',
    );

    const unknown = await post('AWSGlue.DeleteJob', '{"JobName":"nightly-etl"}');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');

    const malformed = await post('AWSGlue.GetJobRuns', '{"JobName":');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { __type: string }).__type).toBe('SerializationException');

    const missingName = await post('AWSGlue.GetJobRuns', '{}');
    expect(missingName.status).toBe(400);
    expect(await missingName.json()).toEqual({
      __type: 'ValidationException',
      Message:
        "1 validation error detected: Value null at 'jobName' failed to satisfy constraint: Member must not be null",
    });
  });
});

describe('expiring tokens', () => {
  it('rejects every token issued before expireTokens() with InvalidInputException', async () => {
    const sandbox = await startGlueSandbox({ jobs: { job: 5 } });
    const client = new GlueClient({
      region: 'us-east-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const first = await client.send(new GetJobRunsCommand({ JobName: 'job', MaxResults: 2 }));
      sandbox.expireTokens();

      await expect(
        client.send(new GetJobRunsCommand({ JobName: 'job', MaxResults: 2, NextToken: first.NextToken })),
      ).rejects.toMatchObject({ name: 'InvalidInputException' });
    } finally {
      client.destroy();
      await sandbox.close();
    }
  });
});
