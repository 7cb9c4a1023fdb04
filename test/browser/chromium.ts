/**
 * The system's Chromium (Debian's `chromium`), driven by playwright-core: no browser is ever
 * downloaded. Each test file gets a fresh profile in a temporary folder, removed afterwards.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** Where Chromium is: PAGEWALK_CHROMIUM, or Debian's package. */
export const CHROMIUM = process.env.PAGEWALK_CHROMIUM ?? '/usr/bin/chromium';

/** The flags a headless Chromium needs as root in a container, and nothing that phones home. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A browser for the calling test file: a fresh profile, closed (and deleted) after its tests. */
export function browserForThisFile(): () => BrowserContext {
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set PAGEWALK_CHROMIUM`,
      );
    }
    profile = mkdtempSync(join(tmpdir(), 'pagewalk-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 1000 },
    });
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });
  return () => {
    if (!context) throw new Error('the browser has not started yet');
    return context;
  };
}

/** A new tab that fails the test on any script error or dialog (an alert() means injected script ran). */
export async function openTab(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A refused API call (a 4xx the page shows as a banner) is logged by the browser itself.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('dialog', (dialog) => {
    if (dialog.type() === 'confirm') {
      void dialog.accept();
      return;
    }
    problems.push(`${dialog.type()} dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { page, problems };
}
