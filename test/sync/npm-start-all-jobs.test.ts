/**
 * `npm start -- --all-jobs --sync incremental` as a person runs it: a real process on a data
 * folder of its own, twice. About two seconds per process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Exit, npmStart } from '../support/npm-start';

const dataDir = mkdtempSync(join(tmpdir(), 'pagewalk-all-jobs-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * Runs `npm start -- --all-jobs ...args` on the default sandbox jobs to its end, nightly-etl
 * with 450 runs instead of 4,321: three pages still, a tenth of the items to write.
 */
const npmStartAllJobs = (args: string[]): Promise<Exit> =>
  npmStart(
    ['--all-jobs', '--data-dir', dataDir, '--latency-ms', '0', '--sandbox-job', 'nightly-etl=450', ...args],
    dataDir,
  ).exited;

describe('npm start -- --all-jobs --sync incremental', () => {
  it('syncs every sandbox job, and right after reads one page per job', async () => {
    const first = await npmStartAllJobs(['--sync', 'incremental']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Sync succeeded');
    expect(first.stdout).toMatch(/4 jobs, 712 runs read in 7 pages/);
    expect(first.stdout).toContain('holds 712 items under the 4 jobs whose run succeeded');
    expect(first.stdout).toMatch(/1 sync execution\(s\), 4 child execution\(s\), at most 4 children at once/);

    const second = await npmStartAllJobs(['--sync', 'incremental']);

    expect(second.code).toBe(0);
    // The four sandbox jobs: one page each (nightly-etl's 450 runs, 200 of them read).
    expect(second.stdout).toMatch(/4 jobs, 412 runs read in 4 pages/);
  });

  it('refuses a job or a resume with it, naming the flag', async () => {
    const refused = await npmStartAllJobs(['--job', 'nightly-etl']);

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--all-jobs syncs every job; drop --job');
  });
});
