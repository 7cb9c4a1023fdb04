import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetJobRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { afterAll, describe, expect, it } from 'vitest';
import { startGlueSandbox } from '../../local/sandbox/glue';
import { sandboxTokenSecret, TOKEN_SECRET_FILE } from '../../local/sandbox/token-secret';

const dir = mkdtempSync(join(tmpdir(), 'pagewalk-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const client = (endpoint: string) =>
  new GlueClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

describe('the sandbox token secret', () => {
  it('is the same for every process on one data folder, readable by its owner only', () => {
    const first = sandboxTokenSecret(dir);
    expect(sandboxTokenSecret(dir)).toBe(first);
    expect(statSync(join(dir, TOKEN_SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(sandboxTokenSecret(undefined)).not.toBe(first);
  });

  it("lets a new sandbox on the folder's secret continue a token the last one issued, until tokens are expired", async () => {
    const secret = sandboxTokenSecret(dir);
    const before = await startGlueSandbox({ jobs: { job: 10 }, tokenSecret: secret });
    const page = await client(before.url).send(new GetJobRunsCommand({ JobName: 'job', MaxResults: 4 }));
    await before.close();

    const after = await startGlueSandbox({ jobs: { job: 10 }, tokenSecret: secret });
    try {
      const glue = client(after.url);
      const next = await glue.send(
        new GetJobRunsCommand({ JobName: 'job', MaxResults: 4, NextToken: page.NextToken }),
      );
      expect(next.JobRuns?.[0]?.Id).not.toBe(page.JobRuns?.[0]?.Id);
      after.expireTokens();
      await expect(
        glue.send(new GetJobRunsCommand({ JobName: 'job', MaxResults: 4, NextToken: next.NextToken })),
      ).rejects.toMatchObject({ name: 'InvalidInputException' });
    } finally {
      await after.close();
    }
  });
});
