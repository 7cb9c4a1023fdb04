/**
 * The sandboxes' token secret lives with the data: a checkpointed NextToken stays valid in
 * the next process on the same folder, as real Glue's tokens do within their lifetime. With
 * no folder (`--in-memory`) each process has its own. The sandboxes' expireTokens() and
 * corruptNextTokens() switches still invalidate tokens on purpose.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomSecret } from './common';

export const TOKEN_SECRET_FILE = 'sandbox-token-secret';

/** The folder's secret, created (readable by this user only) on first use; a fresh one without a folder. */
export function sandboxTokenSecret(dataDir: string | undefined): string {
  if (!dataDir) return randomSecret();
  const path = join(dataDir, TOKEN_SECRET_FILE);
  try {
    const stored = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(stored)) return stored;
  } catch {
    // none yet
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomSecret();
  const fd = openSync(path, 'w', 0o600);
  writeSync(fd, secret);
  closeSync(fd);
  return secret;
}
