import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PagewalkError } from '../errors';
import { clientTimeouts } from '../timeouts';

/** Created on the first read, so a container that never reads a secret never builds the client. */
let client: SecretsManagerClient | undefined;
/** Each secret's SecretString, read once per container. */
const cache = new Map<string, Promise<string | undefined>>();

/**
 * The secret's SecretString made into what `parse` makes of it. The string is read once per
 * container; a failed read or a secret `parse` refuses is not kept, so the next invocation reads
 * the secret again (someone may have fixed it).
 */
function fromSecret<T>(secretArn: string, parse: (text: string | undefined) => T): Promise<T> {
  let text = cache.get(secretArn);
  if (!text) {
    text = (async () => {
      client ??= new SecretsManagerClient(clientTimeouts());
      return (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
    })();
    cache.set(secretArn, text);
  }
  const read = text;
  const value = read.then(parse);
  value.catch(() => {
    if (cache.get(secretArn) === read) cache.delete(secretArn);
  });
  return value;
}

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

/** The secret as a JSON object, or `SecretUnusable` saying what it is instead (never quoting it). */
function jsonObject(secretArn: string, text: string, wanted: string): Record<string, unknown> {
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
  return parsed as Record<string, unknown>;
}

function credentialFrom(secretArn: string, text: string | undefined, field: string | undefined): string {
  const wanted = field
    ? `its SecretString must be a JSON object whose "${field}" field is a string of visible ASCII characters`
    : 'its SecretString must be a string of visible ASCII characters (an HTTP header value)';
  if (text === undefined) throw new SecretUnusable(secretArn, `${wanted}; it has no SecretString`);
  let credential: unknown = text;
  if (field) {
    credential = jsonObject(secretArn, text, wanted)[field];
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
  const object = jsonObject(secretArn, text, wanted);
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

/**
 * The string `fields` of a JSON secret (a Login with Amazon secret's `client_id`,
 * `client_secret` and `refresh_token`), read once per container and cached until
 * {@link forgetSecret}. No value enters any error message.
 */
export function readSecretFields<F extends string>(
  secretArn: string,
  fields: readonly F[],
): Promise<Record<F, string>> {
  return fromSecret(secretArn, (text) => fieldsFrom(secretArn, text, fields));
}

/**
 * Drops what was read of the secret: after the server refused the credentials, the next run
 * reads the secret again (someone may have put new ones in).
 */
export function forgetSecret(secretArn: string): void {
  cache.delete(secretArn);
}

/**
 * A credential from Secrets Manager, read once per container and cached. With `field` the
 * secret is a JSON object and the credential is that field; otherwise it is the whole string.
 * The value never enters execution input, state, history or any error message.
 */
export function readSecret(secretArn: string, field?: string): Promise<string> {
  return fromSecret(secretArn, (text) => credentialFrom(secretArn, text, field));
}
