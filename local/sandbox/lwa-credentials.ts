/**
 * The Login with Amazon credentials the local sandboxes accept (an LWA app's client id and
 * secret, and a seller's refresh token), shaped like Amazon's and generated per data folder:
 * kept in it (readable by this user only) like the sandbox token secret, so every process on
 * the folder accepts the same ones, and another folder's are refused. The local Secrets
 * Manager serves them as the secret a definition's `lwa` auth names.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The three values of an LWA secret, under the names the secret's JSON uses. */
export interface LwaCredentials {
  readonly client_id: string;
  readonly client_secret: string;
  readonly refresh_token: string;
}

export const LWA_CREDENTIALS_FILE = 'sandbox-lwa-credentials.json';

/** Fresh credentials in Amazon's formats (`amzn1.application-oa2-client.…`, `amzn1.oa2-cs.v1.…`, `Atzr|…`). */
export function generateLwaCredentials(): LwaCredentials {
  return {
    client_id: `amzn1.application-oa2-client.${randomBytes(16).toString('hex')}`,
    client_secret: `amzn1.oa2-cs.v1.${randomBytes(32).toString('hex')}`,
    refresh_token: `Atzr|${randomBytes(96).toString('base64url')}`,
  };
}

function isCredentials(value: unknown): value is LwaCredentials {
  if (typeof value !== 'object' || value === null) return false;
  const { client_id, client_secret, refresh_token } = value as Record<string, unknown>;
  return [client_id, client_secret, refresh_token].every(
    (field) => typeof field === 'string' && field !== '',
  );
}

/** The folder's credentials, created on first use; fresh ones without a folder (`--in-memory`). */
export function sandboxLwaCredentials(dataDir: string | undefined): LwaCredentials {
  if (!dataDir) return generateLwaCredentials();
  const path = join(dataDir, LWA_CREDENTIALS_FILE);
  try {
    const stored: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (isCredentials(stored)) return stored;
  } catch {
    // none yet, or unreadable: replaced below
  }
  mkdirSync(dataDir, { recursive: true });
  const credentials = generateLwaCredentials();
  const fd = openSync(path, 'w', 0o600);
  writeSync(fd, `${JSON.stringify(credentials, null, 2)}\n`);
  closeSync(fd);
  return credentials;
}
