import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleHarnessForThisFile } from '../console/support';
import { browserForThisFile, openTab } from './chromium';

/** Where the README's picture of the console is committed; `PAGEWALK_SCREENSHOT=1` rewrites it. */
const SCREENSHOT = process.env.PAGEWALK_SCREENSHOT
  ? new URL('../../docs/console.png', import.meta.url).pathname
  : join(mkdtempSync(join(tmpdir(), 'pagewalk-shot-')), 'console.png');

// The sandbox answers slowly enough that a person (and this test) sees Fetch first page run.
const h = consoleHarnessForThisFile({ glue: { latencyMs: 60 }, marketplace: { customers: 5 } });
const browser = browserForThisFile();

const HOSTILE = '<img src=x onerror=alert(1)>';

/** The state's node in the graph. */
const node = (page: Page, state: string) => page.locator(`svg.graph g[data-state="${state}"]`);

/** Opens Start execution, puts `input` in the editor (and `name`), and starts it. */
async function startFromForm(page: Page, input?: unknown, name?: string): Promise<void> {
  await page.goto(`${h().url}/#/machines/pagewalk/start`);
  await expect.poll(() => page.inputValue('#execution-input')).toContain('nightly-etl');
  if (input !== undefined) await page.fill('#execution-input', JSON.stringify(input, null, 2));
  if (name !== undefined) await page.fill('#execution-name', name);
  await page.click('button.primary');
}

describe('the console in Chromium', () => {
  it('starts the default input from the form and colours the graph as the run goes to Record completion', async () => {
    const { page, problems } = await openTab(browser());
    await startFromForm(page);
    await page.waitForURL(/#\/executions\//);
    await expect
      .poll(() => node(page, 'Fetch first page').getAttribute('class'), { timeout: 20_000 })
      .toContain('status-running');
    await expect
      .poll(() => node(page, 'Record completion').getAttribute('class'), { timeout: 30_000 })
      .toContain('status-succeeded');
    await expect.poll(() => page.textContent('h1 .badge')).toBe('SUCCEEDED');
    // The 22 pages fit one invocation's budget: Fetch first page read them all.
    expect(await node(page, 'Fetch first page').getAttribute('class')).toContain('status-succeeded');
    expect(await node(page, 'Run failed').getAttribute('class')).toContain('status-notRun');
    expect(await node(page, 'Restart from first page').getAttribute('class')).toContain('status-notRun');
    await expect.poll(() => page.textContent('[data-counter="items"] b')).toBe('4,321');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await node(page, 'Fetch first page').click();
    await expect.poll(() => page.textContent('#state-panel h2')).toBe('Fetch first page');
    expect(await page.textContent('#state-panel')).toContain('"pageSize": 200');
    expect(problems).toEqual([]);
  });

  it('refuses a bad input with the field and the allowed values named, and starts nothing', async () => {
    const { page, problems } = await openTab(browser());
    await startFromForm(page, {
      source: 'glue.getJobRuns',
      params: { JobName: 'nightly-etl' },
      options: { pageSize: 500 },
    });
    await expect
      .poll(() => page.textContent('#start-outcome'))
      .toContain('options.pageSize must be an integer from 1 to 200 for glue.getJobRuns; got 500');
    expect(page.url()).toContain('/start');
    expect(problems).toEqual([]);
  });

  it('shows a failed execution: the error banner with its cause, and its events with the failures marked', async () => {
    const { page, problems } = await openTab(browser());
    await startFromForm(
      page,
      { source: 'glue.getJobRuns', params: { JobName: 'no-such-job' } },
      'failed-run',
    );
    await expect.poll(() => page.textContent('h1 .badge'), { timeout: 20_000 }).toBe('FAILED');
    await expect.poll(() => page.textContent('#error-banner')).toContain('EntityNotFoundException');
    expect(await node(page, 'Fetch first page').getAttribute('class')).toContain('status-caught');
    expect(await node(page, 'Run failed').getAttribute('class')).toContain('status-failed');
    await page.click('[data-tab="events"]');
    const failures = page.locator('#events tr.failure');
    await expect.poll(() => failures.count()).toBe(2);
    await failures.first().click();
    await expect.poll(() => page.textContent('#events tr.details')).toContain('EntityNotFoundException');
    expect(problems).toEqual([]);
  });

  it('stops a running execution (the run is recorded stopped) and resumes it', async () => {
    const { page, problems } = await openTab(browser());
    const input = {
      source: 'marketplace.customers',
      params: { MarketplaceId: 'ATVPDKIKX0DER' },
      options: { pollIntervalSeconds: 3600 },
    };
    await startFromForm(page, input, 'waiting-run');
    await expect
      .poll(() => node(page, 'Wait for more results').getAttribute('class'), { timeout: 20_000 })
      .toContain('status-running');
    await page.click('#stop');
    await expect.poll(() => page.textContent('h1 .badge')).toBe('ABORTED');
    await expect
      .poll(() => node(page, 'Wait for more results').getAttribute('class'))
      .toContain('status-stopped');
    await expect.poll(() => page.textContent('#run-panel')).toContain('stopped');
    await expect.poll(() => page.isEnabled('#resume')).toBe(true);
    await page.click('#resume');
    await page.waitForURL((url) => !url.hash.endsWith(':waiting-run'));
    await expect.poll(() => page.textContent('#input')).toContain('"resume": "waiting-run"');
    await expect.poll(() => page.textContent('#run-id')).toBe('waiting-run');
    await page.click('#stop');
    await expect.poll(() => page.textContent('h1 .badge')).toBe('ABORTED');
    expect(problems).toEqual([]);
  });

  it('renders hostile names and inputs as text: no element, no script', async () => {
    const { page, problems } = await openTab(browser());
    const name = "x'+alert(1)+'";
    await startFromForm(page, { source: 'glue.getJobRuns', params: { JobName: HOSTILE } }, name);
    await expect.poll(() => page.textContent('h1 .badge'), { timeout: 20_000 }).toBe('FAILED');
    expect(await page.textContent('#execution-name')).toBe(name);
    await expect.poll(() => page.textContent('#error-banner')).toContain(HOSTILE);
    expect(await page.textContent('#input')).toContain(HOSTILE);
    await page.click('[data-tab="events"]');
    await page.locator('#events tr.failure').first().click();
    await expect.poll(() => page.textContent('#events tr.details')).toContain(HOSTILE);
    await page.goto(`${h().url}/#/machines/pagewalk`);
    await page.fill('input[type="search"]', "alert(1)+'");
    await expect.poll(() => page.locator('tbody a').allTextContents()).toEqual([name]);
    expect(await page.locator('img').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
