import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PagewalkError } from '../errors';
import { clientTimeouts } from '../timeouts';

/** Created on the first read, so a container that never reads a secret never builds the client. */
let client: SecretsManagerClient | undefined;
const cache = new Map<string, Promise<string>>();

/**
 * A secret that cannot be used as the credential. The message is fixed per shape and names
 * only the ARN and what was expected: a parser's message would quote the secret's first
 * characters into the logs, the execution history and the run record.
 */
export class SecretUnusable extends PagewalkError {
  constructor(secretArn: string, expected: string) {
    super('SecretUnusable', `secret ${secretArn} is not usable: ${expected}`);
  }
}

/** Visible ASCII and inner spaces: what an HTTP header value may hold (no CR, LF or NUL). */
const HEADER_VALUE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

function credentialFrom(secretArn: string, text: string | undefined, field: string | undefined): string {
  const wanted = field
    ? `its SecretString must be a JSON object whose "${field}" field is a string of visible ASCII characters`
    : 'its SecretString must be a string of visible ASCII characters (an HTTP header value)';
  if (text === undefined) throw new SecretUnusable(secretArn, `${wanted}; it has no SecretString`);
  let credential: unknown = text;
  if (field) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Never the parser's message: it quotes the start of the secret.
      throw new SecretUnusable(secretArn, `${wanted}; it is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SecretUnusable(secretArn, `${wanted}; it is JSON but not an object`);
    }
    credential = (parsed as Record<string, unknown>)[field];
    if (typeof credential !== 'string') {
      throw new SecretUnusable(secretArn, `${wanted}; the field is missing or not a string`);
    }
  }
  // fetch would reject a bad header value with a message that quotes the value.
  if (!HEADER_VALUE.test(credential as string)) {
    throw new SecretUnusable(
      secretArn,
      `${wanted}; it holds other characters (a line break, a control character?)`,
    );
  }
  return credential as string;
}

/** Several string fields of a JSON secret, checked field by field without quoting any value. */
function fieldsFrom<F extends string>(
  secretArn: string,
  text: string | undefined,
  fields: readonly F[],
): Record<F, string> {
  const wanted = `its SecretString must be a JSON object with the string fields ${fields.join(', ')}`;
  if (text === undefined) throw new SecretUnusable(secretArn, `${wanted}; it has no SecretString`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never the parser's message: it quotes the start of the secret.
    throw new SecretUnusable(secretArn, `${wanted}; it is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretUnusable(secretArn, `${wanted}; it is JSON but not an object`);
  }
  const object = parsed as Record<string, unknown>;
  const out: Partial<Record<F, string>> = {};
  for (const field of fields) {
    const value = object[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new SecretUnusable(secretArn, `${wanted}; ${field} is missing, empty or not a string`);
    }
    out[field] = value;
  }
  return out as Record<F, string>;
}

const fieldCache = new Map<string, Promise<Record<string, string>>>();

/**
 * The string `fields` of a JSON secret (a Login with Amazon secret's `client_id`,
 * `client_secret` and `refresh_token`), read once per container and cached until
 * {@link forgetSecretFields}. No value enters any error message.
 */
export function readSecretFields<F extends string>(
  secretArn: string,
  fields: readonly F[],
): Promise<Record<F, string>> {
  const key = `${secretArn}#${fields.join(',')}`;
  let value = fieldCache.get(key);
  if (!value) {
    value = (async () => {
      client ??= new SecretsManagerClient(clientTimeouts());
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      return fieldsFrom(secretArn, out.SecretString, fields);
    })();
    // A failed read is not cached, so the next invocation tries again.
    value.catch(() => fieldCache.delete(key));
    fieldCache.set(key, value);
  }
  return value as Promise<Record<F, string>>;
}

/**
 * Drops what {@link readSecretFields} cached for the secret: after the server refused the
 * credentials, the next run reads the secret again (someone may have put new ones in).
 */
export function forgetSecretFields(secretArn: string): void {
  for (const key of fieldCache.keys()) if (key.startsWith(`${secretArn}#`)) fieldCache.delete(key);
}

/**
 * A credential from Secrets Manager, read once per container and cached. With `field` the
 * secret is a JSON object and the credential is that field; otherwise it is the whole string.
 * The value never enters execution input, state, history or any error message.
 */
export function readSecret(secretArn: string, field?: string): Promise<string> {
  const key = `${secretArn}#${field ?? ''}`;
  let value = cache.get(key);
  if (!value) {
    value = (async () => {
      client ??= new SecretsManagerClient(clientTimeouts());
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      return credentialFrom(secretArn, out.SecretString, field);
    })();
    // A failed read is not cached, so the next invocation tries again.
    value.catch(() => cache.delete(key));
    cache.set(key, value);
  }
  return value;
}
