import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';

const VARIABLES = [
  'PAGEWALK_ENDPOINT_URL_SPAPI',
  'PAGEWALK_ENDPOINT_URL_LWA',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'PAGEWALK_SPAPI_SECRET_ARN',
  'AWS_ENDPOINT_URL_DYNAMODB',
] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.close();
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/** The secret the SP-API sources will read, through the SDK and the variables, as the handlers do. */
async function readSecret(): Promise<Record<string, string>> {
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  try {
    const out = await client.send(
      new GetSecretValueCommand({ SecretId: process.env.PAGEWALK_SPAPI_SECRET_ARN }),
    );
    return JSON.parse(out.SecretString ?? '{}');
  } finally {
    client.destroy();
  }
}

describe('the local stack for SP-API sources', () => {
  it('starts SP-API, LWA and Secrets Manager, whose secret gets an access token the SP-API accepts', async () => {
    for (const name of VARIABLES) delete process.env[name];
    stack = await startLocalStack({ spapi: { quotaScale: 100 } });

    expect(process.env.PAGEWALK_ENDPOINT_URL_SPAPI).toBe(stack.spapi?.url);
    expect(process.env.PAGEWALK_ENDPOINT_URL_LWA).toBe(stack.lwa?.url);
    expect(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER).toBe(stack.secretsManager?.url);
    const token = await fetch(`${process.env.PAGEWALK_ENDPOINT_URL_LWA}/auth/o2/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', ...(await readSecret()) }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const orders = await fetch(
      `${process.env.PAGEWALK_ENDPOINT_URL_SPAPI}/orders/2026-01-01/orders?createdAfter=2026-01-01T00%3A00%3A00Z&marketplaceIds=ATVPDKIKX0DER`,
      { headers: { 'x-amz-access-token': access_token } },
    );
    expect(orders.status).toBe(200);
    expect(orders.headers.get('x-amzn-RateLimit-Limit')).toBe('0.56');
  });

  it('provides the Secrets Manager also when SP-API and LWA are elsewhere, and adopts one that is named', async () => {
    process.env.PAGEWALK_ENDPOINT_URL_SPAPI = 'https://sellingpartnerapi-eu.amazon.com';
    process.env.PAGEWALK_ENDPOINT_URL_LWA = 'https://api.amazon.co.uk';
    delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    delete process.env.PAGEWALK_SPAPI_SECRET_ARN;
    stack = await startLocalStack();
    expect(stack.spapi).toBeUndefined();
    expect(stack.lwa).toBeUndefined();
    expect(process.env.PAGEWALK_ENDPOINT_URL_SPAPI).toBe('https://sellingpartnerapi-eu.amazon.com');
    expect(Object.keys(await readSecret()).sort()).toEqual(['client_id', 'client_secret', 'refresh_token']);
    const secretsManager = stack.secretsManagerEndpoint;

    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = stack.dynamoEndpoint;
    const second = await startLocalStack({ tableName: 'second' });
    try {
      expect(second.secretsManager).toBeUndefined();
      expect(second.secretsManagerEndpoint).toBe(secretsManager);
    } finally {
      await second.close();
    }
  });
});
