import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readSecret } from '../../functions/lib/sources/secrets';

const secrets = mockClient(SecretsManagerClient);
beforeEach(() => secrets.reset());

let n = 0;
/** A fresh ARN per test: readSecret caches per container, by ARN and field. */
const freshArn = () => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor-${++n}-AbCdEf`;

/** The credential inside every bad secret below: distinctive, so no message has it by chance. */
const CREDENTIAL = 'sk_live_Q7ZX9VW3TOPSECRET';

/** Every 4 characters in a row of the credential: none may appear in anything the error says. */
const FRAGMENTS = Array.from({ length: CREDENTIAL.length - 3 }, (_, i) => CREDENTIAL.slice(i, i + 4));

async function failure(secretString: string | undefined, field?: string) {
  const arn = freshArn();
  secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: secretString });
  const error = (await readSecret(arn, field).catch((caught: unknown) => caught)) as Error;
  return {
    arn,
    error,
    said: `${error.name} ${error.message} ${error.stack ?? ''} ${String(error.cause ?? '')}`,
  };
}

describe('a secret that is not the expected shape', () => {
  it('fails with a fixed message naming the ARN and the expected shape, and none of the secret’s characters, when it is not JSON', async () => {
    const { arn, error, said } = await failure(CREDENTIAL, 'apiKey');

    expect(error).toMatchObject({
      name: 'SecretUnusable',
      message: `secret ${arn} is not usable: its SecretString must be a JSON object whose "apiKey" field is a string of visible ASCII characters; it is not JSON`,
    });
    for (const piece of FRAGMENTS) expect(said).not.toContain(piece);
  });

  it.each([
    ['JSON but not an object', `["${CREDENTIAL}"]`, 'it is JSON but not an object'],
    ['an object without the field', `{"other":"${CREDENTIAL}"}`, 'the field is missing or not a string'],
    [
      'an object whose field is not a string',
      `{"apiKey":["${CREDENTIAL}"]}`,
      'the field is missing or not a string',
    ],
  ])('says what is wrong without quoting it when it is %s', async (_name, secret, reason) => {
    const { error, said } = await failure(secret, 'apiKey');
    expect(error.message).toMatch(new RegExp(`; ${reason}$`));
    for (const piece of FRAGMENTS) expect(said).not.toContain(piece);
  });

  it('refuses a credential that is not a valid header value (fetch would quote it in its error)', async () => {
    const { arn, error, said } = await failure(`${CREDENTIAL}\r\nX-Injected: 1`);
    expect(error.message).toBe(
      `secret ${arn} is not usable: its SecretString must be a string of visible ASCII characters (an HTTP header value); it holds other characters (a line break, a control character?)`,
    );
    for (const piece of FRAGMENTS) expect(said).not.toContain(piece);
  });

  it('names a binary secret (no SecretString) as such', async () => {
    const { arn, error } = await failure(undefined);
    expect(error.message).toBe(
      `secret ${arn} is not usable: its SecretString must be a string of visible ASCII characters (an HTTP header value); it has no SecretString`,
    );
  });
});

describe('a secret of the expected shape', () => {
  it('gives the field of a JSON secret, read once per container', async () => {
    const arn = freshArn();
    secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: '{"apiKey":"k-1 2"}' });

    expect(await readSecret(arn, 'apiKey')).toBe('k-1 2');
    expect(await readSecret(arn, 'apiKey')).toBe('k-1 2');
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('reads again after a failed read instead of caching the failure', async () => {
    const arn = freshArn();
    secrets
      .on(GetSecretValueCommand, { SecretId: arn })
      .rejectsOnce(new Error('throttled'))
      .resolves({ SecretString: 'plain-key' });

    await expect(readSecret(arn)).rejects.toThrow('throttled');
    expect(await readSecret(arn)).toBe('plain-key');
  });
});
