import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localExecutionArn } from '../../local/engine';
import { type Harness, isWaiting, MARKETPLACES, startHarness, waitingInput } from '../local-sfn/harness';
import { runCliAt } from '../support/cli';

const BIN = fileURLToPath(new URL('../../cli/pagewalk.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'pagewalk-cli-'));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ glue: { jobs: { tiny: 25, small: 50 } }, marketplace: { orders: 60 } });
});
afterAll(async () => {
  await h?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the `pagewalk` bin as a child process that knows only the endpoint: no credentials,
 * no table name, no DynamoDB endpoint and no AWS config files, as a fresh shell would.
 */
function pagewalk(...args: string[]): Promise<Run> {
  const env = {
    PATH: process.env.PATH,
    HOME: scratch,
    AWS_CONFIG_FILE: join(scratch, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'none'),
    AWS_ENDPOINT_URL_SFN: h.server.url,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the CLI in this process with captured output (faster than a child, same code path). */
const inProcess = (...args: string[]) => runCliAt(h.server.url, args);

describe('the pagewalk CLI against the local endpoint', () => {
  it('starts a run, printing the execution ARN and the run id', async () => {
    const run = await pagewalk('start', '--job', 'tiny', '--page-size', '10', '--name', 'cli-tiny');
    expect(run.stderr).toBe('');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`execution ${localExecutionArn('cli-tiny')}`);
    expect(run.stdout).toMatch(/run id\s+cli-tiny/);
    expect(run.stdout).toContain('"params":{"JobName":"tiny"},"options":{"pageSize":10}');
  });

  it('watches the run to its end, with plain progress lines off a terminal, and exits 0', async () => {
    const run = await pagewalk('watch', 'cli-tiny', '--interval', '0.2');
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^Run cli-tiny succeeded: 3 pages, 25 items in [\d.]+ s, 0 restarts, 1 segment\(s\)\.$/,
    );
    expect(lines.at(-2)).toMatch(/page 3 {2}items 25 .*\[SUCCEEDED\]/);
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('shows the run record with status', async () => {
    const run = await inProcess('status', 'cli-tiny');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/status\s+succeeded/);
    expect(run.stdout).toMatch(/progress\s+3 pages, 25 items \(25 written\), 0 restarts, 0 polls, 3 fetches/);
    expect(run.stdout).toMatch(/segments\s+1\. new/);
  });

  it('counts the pages each page-fetch call read, not the calls, in the history', async () => {
    // cli-tiny read its 3 pages in one call: "Fetch first page" read on past the origin page.
    const run = await inProcess('history', 'cli-tiny');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/pages\s+3 \(origin 3\), 25 items so far/);
  });

  it('summarises the history: pages, retries by error, caught errors and restarts', async () => {
    h.marketplace.throttleNext(2);
    h.marketplace.corruptNextTokens(1);
    const started = await inProcess(
      'start',
      '--source',
      'marketplace.orders',
      '--param',
      `MarketplaceId=${MARKETPLACES[0]}`,
      '--page-size',
      '20',
      '--pages-per-invocation',
      '1',
      '--name',
      'cli-bumpy',
      '--watch',
      '--interval',
      '0.1',
    );
    expect(started.code, started.stderr).toBe(0);

    const run = await inProcess('history', 'cli-bumpy');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/execution cli-bumpy: SUCCEEDED in [\d.]+ s, \d+ events/);
    expect(run.stdout).toMatch(/pages\s+4 \(origin 1, restart 1, continuation 2\), 60 items so far/);
    expect(run.stdout).toMatch(/retries\s+2 \(RequestThrottled 2\)/);
    expect(run.stdout).toMatch(/caught\s+1 \(NextTokenCorrupted 1\)/);
    expect(run.stdout).toMatch(/restarts\s+1/);
  });

  it('exits 1 from watch when the run fails, saying why', async () => {
    const run = await pagewalk(
      'start',
      '--job',
      'no-such-job',
      '--name',
      'cli-fails',
      '--watch',
      '--interval',
      '0.2',
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain(
      'Run cli-fails failed: EntityNotFoundException: Job with name: no-such-job not found',
    );
  });

  it('follows continue-as-new across segments', async () => {
    const run = await inProcess(
      'start',
      '--job',
      'small',
      '--page-size',
      '10',
      '--iterations-per-execution',
      '2',
      '--pages-per-invocation',
      '1',
      '--name',
      'cli-segments',
      '--watch',
      '--interval',
      '0.1',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines).toContain('cli-segments continued as cli-segments-s2');
    expect(run.lines).toContain('cli-segments-s2 continued as cli-segments-s3');
    expect(run.lines.at(-1)).toMatch(/^Run cli-segments succeeded: 5 pages, 50 items .* 3 segment\(s\)\.$/);

    const history = await inProcess('history', 'cli-segments');
    expect(history.stdout).toMatch(/total over 3 executions: 5 pages/);
  });

  it('resumes a run that stopped at a limit, with the limit lifted', async () => {
    const first = await inProcess(
      'start',
      '--job',
      'small',
      '--page-size',
      '10',
      '--max-pages',
      '2',
      '--name',
      'cli-limit',
      '--watch',
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.lines.at(-1)).toContain(
      'stopped at its maxPages limit (resumable: pagewalk resume cli-limit)',
    );

    const resumed = await inProcess(
      'resume',
      'cli-limit',
      '--max-pages',
      'none',
      '--watch',
      '--interval',
      '0.1',
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('"resume":"cli-limit","options":{"maxPages":null}');
    expect(resumed.lines.at(-1)).toMatch(/^Run cli-limit succeeded: 5 pages, 50 items/);
  });

  it('lists executions, filtered by status', async () => {
    const failed = await inProcess('list', '--status', 'FAILED');
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.lines[0]).toMatch(/^NAME\s+STATUS\s+STARTED\s+DURATION$/);
    expect(failed.lines.slice(1).every((line) => /\sFAILED\s/.test(line))).toBe(true);
    expect(failed.stdout).toContain('cli-fails');
    expect(failed.stdout).not.toContain('cli-tiny');
  });

  it('starts from an input file and stops the execution by run id', async () => {
    const file = join(scratch, 'input.json');
    writeFileSync(file, JSON.stringify(waitingInput(MARKETPLACES[1])));
    const started = await inProcess('start', '--input', file, '--name', 'cli-stop', '--json');
    expect(JSON.parse(started.stdout)).toMatchObject({
      executionArn: localExecutionArn('cli-stop'),
      runId: 'cli-stop',
    });
    await h.waitForHistory(localExecutionArn('cli-stop'), isWaiting);

    const stopped = await inProcess('stop', 'cli-stop');
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.lines[0]).toMatch(/^stopped arn:.*:cli-stop at /);
    const described = await h.sfn.send(
      new DescribeExecutionCommand({ executionArn: localExecutionArn('cli-stop') }),
    );
    expect(described).toMatchObject({ status: 'ABORTED', error: 'pagewalk.Stopped' });
    expect(stopped.stdout).toContain(
      'run cli-stop is recorded stopped with its checkpoint; resume it with: pagewalk resume cli-stop',
    );
    expect((await inProcess('status', 'cli-stop')).stdout).toMatch(/status\s+stopped/);
  });

  describe('when a run is refused at Start run', () => {
    it.each([
      ['no --job', ['start'], 'params.JobName'],
      [
        '--page-size 500',
        ['start', '--job', 'tiny', '--page-size', '500'],
        'options.pageSize must be an integer from 1 to 200',
      ],
      ['--max-pages 0', ['start', '--job', 'tiny', '--max-pages', '0'], 'options.maxPages'],
      [
        '--deadline yesterday',
        ['start', '--job', 'tiny', '--deadline', 'yesterday'],
        'options.deadline must be a future ISO-8601 time',
      ],
      [
        '--deadline "Dec 25 2099"',
        ['start', '--job', 'tiny', '--deadline', 'Dec 25 2099'],
        'options.deadline',
      ],
      ['resume of no such run', ['resume', 'no-such-run'], 'no-such-run'],
    ])('exits 1 for %s, with the error and the field it names', async (_, args, field) => {
      const run = await inProcess(...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^pagewalk: the execution failed: InvalidInput: /);
      expect(run.stderr).toContain(field);
      expect(run.stdout).not.toContain('watch it');
    });

    it('exits 1 from start --watch with the error and cause', async () => {
      const run = await inProcess(
        'start',
        '--job',
        'tiny',
        '--page-size',
        '500',
        '--watch',
        '--interval',
        '0.1',
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/failed: InvalidInput: options.pageSize must be/);
    });
  });

  describe('when the endpoint or the name is wrong', () => {
    const at = (endpoint: string, ...args: string[]) => runCliAt(endpoint, args);

    it('names an endpoint nobody listens on and suggests npm run serve', async () => {
      const run = await at('http://127.0.0.1:9', 'list');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        'cannot reach the Step Functions endpoint http://127.0.0.1:9 (ECONNREFUSED)',
      );
      expect(run.stderr).toContain('npm run serve');
    });

    it('refuses an endpoint without http:// with exit code 2', async () => {
      const run = await at('127.0.0.1:8083', 'list');
      expect(run).toMatchObject({ code: 2 });
      expect(run.stderr).toContain('AWS_ENDPOINT_URL_SFN must be a URL such as http://127.0.0.1:8083');
    });

    it('says in one line that a run or execution does not exist', async () => {
      const run = await inProcess('watch', 'nope');
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('pagewalk: no run or execution named nope; pagewalk list shows the executions');
    });
  });

  it('refuses bad flags with exit code 2 and names the problem', async () => {
    const run = await inProcess('start', '--page-size', 'many');
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('--page-size must be a number; got many');
    expect((await inProcess('start', '--input', 'x.json', '--job', 'j')).stderr).toContain(
      '--input cannot be combined with --job',
    );
    expect((await inProcess('watch')).code).toBe(2);
  });
});
