import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  localSecretArn,
  type SecretsManagerSandbox,
  startSecretsManagerSandbox,
} from '../../local/sandbox/secrets-manager';

let sandbox: SecretsManagerSandbox;
let client: SecretsManagerClient;
const VALUE = JSON.stringify({ client_id: 'id', client_secret: 'shh', refresh_token: 'Atzr|r' });

beforeAll(async () => {
  sandbox = await startSecretsManagerSandbox({ secrets: { 'pagewalk/spapi-lwa': VALUE } });
  client = new SecretsManagerClient({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});
afterAll(async () => {
  client.destroy();
  await sandbox.close();
});

describe('the local Secrets Manager', () => {
  it('answers GetSecretValue by ARN, by name and by ARN without its suffix, through the SDK', async () => {
    const arn = localSecretArn('pagewalk/spapi-lwa');
    expect(arn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:pagewalk\/spapi-lwa-[A-Za-z0-9]{6}$/,
    );
    for (const SecretId of [arn, 'pagewalk/spapi-lwa', arn.slice(0, -7)]) {
      const out = await client.send(new GetSecretValueCommand({ SecretId }));
      expect(out).toMatchObject({
        ARN: arn,
        Name: 'pagewalk/spapi-lwa',
        SecretString: VALUE,
        VersionStages: ['AWSCURRENT'],
      });
      expect(out.CreatedDate).toBeInstanceOf(Date);
    }
  });

  it('answers an unknown secret with ResourceNotFoundException, as Secrets Manager does', async () => {
    const error = await client.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
    const stage = await client
      .send(new GetSecretValueCommand({ SecretId: 'pagewalk/spapi-lwa', VersionStage: 'AWSPREVIOUS' }))
      .catch((e: unknown) => e);
    expect(stage).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('creates and updates secrets, so your own credentials can be put in for a local run', async () => {
    const created = await client.send(new CreateSecretCommand({ Name: 'mine', SecretString: 'one' }));
    expect(created.ARN).toBe(localSecretArn('mine'));
    await client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'two' }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'mine' }))).SecretString).toBe('two');
    const again = await client
      .send(new CreateSecretCommand({ Name: 'mine', SecretString: 'x' }))
      .catch((e: unknown) => e);
    expect(again).toMatchObject({ name: 'ResourceExistsException' });
  });

  it('refuses unsigned requests and unknown operations, and logs no secret value', async () => {
    const unsigned = await fetch(sandbox.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'secretsmanager.GetSecretValue',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ SecretId: 'pagewalk/spapi-lwa' }),
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const unknown = await fetch(sandbox.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'secretsmanager.DeleteSecret', authorization: 'AWS4-HMAC-SHA256 x' },
      body: '{}',
    });
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect(JSON.stringify(sandbox.stats)).not.toContain('shh');
  });
});
