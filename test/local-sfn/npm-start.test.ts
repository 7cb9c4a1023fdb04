/**
 * `npm start` as a person runs it: real processes on one data folder, resumed, killed with
 * SIGKILL and interrupted with Ctrl-C (SIGINT), then the same folder served to the CLI.
 * Each process costs about two seconds, so the scenarios share them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunRecords } from '../../functions/lib/store/run-record';
import { collectionKeys } from '../../local/inspect';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { DEFAULT_GLUE_JOBS } from '../../local/sandbox/glue';
import { runCliAt } from '../support/cli';
import { type NpmStart, npmStart as spawnNpmStart } from '../support/npm-start';

const dataDir = mkdtempSync(join(tmpdir(), 'pagewalk-start-'));
/** A slow job of its own per scenario, so their collections never share a lease. */
const SLOW_JOBS = ['--sandbox-job', 'crash=400', '--sandbox-job', 'interrupt=400', '--latency-ms', '10'];
/** One page per invocation, so a process is killed between pages it has shown. */
const PAGE_BY_PAGE = ['--page-size', '10', '--pages-per-invocation', '1'];

/** Spawns `npm start -- ...args` on the shared data folder, with the slow jobs. */
const npmStart = (args: string[]): NpmStart =>
  spawnNpmStart(['--data-dir', dataDir, ...SLOW_JOBS, ...args], dataDir);

/** Waits until the process has printed progress at page `page` or later. */
async function untilPage(run: NpmStart, page: number): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const pages = [...run.output().matchAll(/page (\d+) /g)].map((m) => Number(m[1]));
    if (pages.some((p) => p >= page)) return;
    if (Date.now() > until) throw new Error(`never reached page ${page}:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const pagesOf = (stdout: string) => Number(/: (\d+) pages/.exec(stdout)?.[1]);

let runtime: LocalRuntime | undefined;
afterAll(async () => {
  await runtime?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start on one data folder', () => {
  it("progresses on every resume of the README's example: tokens stay valid across processes", async () => {
    const first = await npmStart(['--max-pages', '3', '--page-size', '100', '--name', 'my-run']).exited;
    expect(first.code, first.stderr).toBe(0);
    expect(pagesOf(first.stdout)).toBe(3);
    const second = await npmStart(['--resume', 'my-run']).exited;
    expect(second.code, second.stderr).toBe(0);
    expect(pagesOf(second.stdout)).toBe(6);
    expect(second.stdout).toContain('npm start -- --resume my-run');
  });

  it('records a SIGKILLed run aborted at the next start, and an interrupted one stopped, printing the resume command', async () => {
    const crashed = npmStart(['--job', 'crash', ...PAGE_BY_PAGE, '--name', 'crashed']);
    await untilPage(crashed, 3);
    crashed.child.kill('SIGKILL');
    expect((await crashed.exited).code).toBe(null);

    // The next start finds the dead lock and the execution it left RUNNING.
    const interrupted = npmStart(['--job', 'interrupt', ...PAGE_BY_PAGE, '--name', 'interrupted']);
    await untilPage(interrupted, 3);
    interrupted.child.kill('SIGINT');
    const exit = await interrupted.exited;
    expect(exit.code, exit.stderr).toBe(130);
    expect(exit.stdout).toContain('resume it with: npm start -- --resume interrupted');
  });

  it('shows every execution npm start ran to the CLI of a server on the same folder, and resumes the killed and the interrupted run at once with exactly their items', async () => {
    runtime = await startLocalRuntime({
      command: 'test',
      dataDir,
      port: 0,
      // No latency: the resumes below read 74 pages, and their pace is not what they check.
      glue: { jobs: { ...DEFAULT_GLUE_JOBS, crash: 400, interrupt: 400 }, latencyMs: 0 },
      honourEndpointVariables: false,
    });
    const cli = async (...args: string[]) => {
      const run = await runCliAt(runtime?.server.url, args);
      return { code: run.code, text: [run.stdout, run.stderr].join('\n') };
    };

    const listed = await cli('list', '--max', '10');
    expect(listed.text).toMatch(/crashed\s+ABORTED/);
    expect(listed.text).toMatch(/interrupted\s+ABORTED/);
    expect(listed.text).toMatch(/my-run\s+SUCCEEDED/);

    const crashedHistory = await cli('history', 'crashed', '--json');
    const [first] = JSON.parse(crashedHistory.text) as Array<{ summary: { status: string } }>;
    expect(first?.summary.status).toBe('ABORTED');

    const runs = new RunRecords(runtime.stack.documentClient, runtime.stack.tableName);
    expect(await runs.get('interrupted')).toMatchObject({ status: 'stopped' });
    expect((await cli('status', 'interrupted')).text).toContain(
      'resume it with: pagewalk resume interrupted',
    );
    expect(await cli('watch', 'my-run')).toMatchObject({ code: 0 });

    // The crash and Ctrl-C released their leases: each resume runs at once, to exactly the job's items.
    for (const [runId, job] of [
      ['crashed', 'crash'],
      ['interrupted', 'interrupt'],
    ] as const) {
      const resumed = await cli('resume', runId, '--watch', '--interval', '0.1');
      expect(resumed.code, resumed.text).toBe(0);
      expect(resumed.text).toMatch(new RegExp(`Run ${runId} succeeded: 40 pages, 400 items`));
      const keys = await collectionKeys(
        runtime.stack.documentClient,
        runtime.stack.tableName,
        `glue.getJobRuns#${job}`,
      );
      expect(keys).toHaveLength(400);
      expect(await runs.get(runId)).toMatchObject({ status: 'succeeded', items: 400 });
    }
  });
});
