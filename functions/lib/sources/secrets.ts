import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientTimeouts } from '../timeouts';

const client = new SecretsManagerClient(clientTimeouts());
const cache = new Map<string, Promise<string>>();

/**
 * A credential from Secrets Manager, read once per container and cached. With `field` the
 * secret is a JSON object and the credential is that field; otherwise it is the whole string.
 * The value never enters execution input, state or history.
 */
export function readSecret(secretArn: string, field?: string): Promise<string> {
  const key = `${secretArn}#${field ?? ''}`;
  let value = cache.get(key);
  if (!value) {
    value = (async () => {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      const text = out.SecretString;
      if (text === undefined) throw new Error(`secret ${secretArn} has no SecretString`);
      if (!field) return text;
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const credential = parsed[field];
      if (typeof credential !== 'string')
        throw new Error(`secret ${secretArn} has no string field "${field}"`);
      return credential;
    })();
    // A failed read is not cached, so the next invocation tries again.
    value.catch(() => cache.delete(key));
    cache.set(key, value);
  }
  return value;
}
