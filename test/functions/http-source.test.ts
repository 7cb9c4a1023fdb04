import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpSource } from '../../functions/lib/sources/http-source';
import { type MarketplaceSandbox, startMarketplaceSandbox } from '../../local/sandbox/marketplace';
import { checkDefinitionsDir } from '../../schema/definitions';
import { checkedHttp } from '../support/definitions';

const orders = JSON.parse(readFileSync('sources/marketplace-orders.json', 'utf8')) as Record<string, unknown>;
const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:marketplace-token-AbCdEf';

let sandbox: MarketplaceSandbox;
beforeAll(async () => {
  sandbox = await startMarketplaceSandbox({ orders: 12, accessToken: 's3cret' });
  process.env.PAGEWALK_ENDPOINT_URL_MARKETPLACE = sandbox.url;
});
afterAll(async () => {
  delete process.env.PAGEWALK_ENDPOINT_URL_MARKETPLACE;
  await sandbox?.close();
});
beforeEach(() => secrets.reset());

const withChanges = (changes: Record<string, unknown>) => ({ ...orders, ...changes });

describe('validating a source definition', () => {
  it('accepts every definition shipped in sources/', () => {
    expect(checkDefinitionsDir('sources').map(({ definition }) => definition.name)).toEqual([
      'aws.cloudtrail.lookupEvents',
      'aws.logs.filterLogEvents',
      'aws.logs.getLogEvents',
      'aws.organizations.listAccounts',
      'aws.s3.listObjectsV2',
      'aws.sfn.listExecutions',
      'aws.ssm.getParametersByPath',
      'glue.getJobRuns',
      'marketplace.customers',
      'marketplace.orders',
      'marketplace.reports',
      'spapi.financialEvents',
      'spapi.ordersV0',
      'spapi.orders',
      'spapi.reports',
    ]);
  });

  it.each([
    [
      { signal: 'pageNumber' },
      '/signal must be one of: tokenPresence, hasNext, moreResultsAvailable; got "pageNumber"',
    ],
    [{ endpoint: { baseUrl: 'ftp://x' } }, '/endpoint/baseUrl must be an https:// origin'],
    [{ endpoint: { baseUrl: 'https://api.example.com/v1' } }, '/endpoint/baseUrl must be an https:// origin'],
    [
      { endpoint: { baseUrl: 'https://a.example.com', variable: 'AWS_SECRET_ACCESS_KEY' } },
      '/endpoint/variable must match ^PAGEWALK_ENDPOINT_URL_[A-Z0-9_]+$',
    ],
    [
      { continuation: { method: 'POST', path: '/orders/next', body: {} } },
      '/continuation must carry the token as {nextToken}',
    ],
    [
      { origin: { method: 'POST', path: '/o', body: { T: '{nextToken}' } } },
      '/origin cannot use {nextToken}: the origin call has no token',
    ],
    [
      { origin: { method: 'POST', path: '/o', body: { M: '{params.Marketplace}' } } },
      '/origin uses {params.Marketplace}; allowed:',
    ],
    [{ origin: { method: 'GET', path: '/o', body: {} } }, '/origin/body is not allowed with method GET'],
    [{ response: { items: 'Orders', nextToken: 'NextToken' } }, '/response/itemKey is required'],
    [{ signal: 'hasNext' }, '/response/hasNext is required'],
    [{ auth: { secretArn: 'my-secret', header: 'x-token' } }, '/auth/secretArn must match ^arn:aws'],
    [
      { errors: { rules: [{ status: 200, means: 'throttled' }] } },
      '/errors/rules/0/status must be an integer or a list of integers; got 200',
    ],
    [
      { errors: { rules: [{ status: 400, means: 'retry' }] } },
      '/errors/rules/0/means must be one of: corruptedToken, throttled, transient, permanent',
    ],
    [{ url: 'https://x' }, '/url is not a known field; allowed: $schema, $comment, kind, name'],
    [
      { params: { MarketplaceId: { type: 'integer', pattern: '^x$' } } },
      '/params/MarketplaceId/pattern is not allowed with type integer',
    ],
    [{ params: { M: { type: 'string', default: 5 } } }, '/params/M/default must be a string; got 5'],
    [
      { params: { M: { type: 'string', pattern: '^[a-z]+$', default: 'ABC' } } },
      '/params/M/default is not a value the param accepts',
    ],
    [{ params: { M: { type: 'string', pattern: '([' } } }, '/params/M/pattern is not a regular expression'],
    [
      { paramRules: [{ atMostOne: ['MarketplaceId', 'Other'] }] },
      '/paramRules/0 names Other, which is not in /params',
    ],
    [{ pageSize: { min: 10, max: 100, default: 5 } }, '/pageSize needs min <= default <= max'],
  ])('rejects %j naming the field and what is allowed', (changes, message) => {
    expect(() => checkedHttp(withChanges(changes), 'sources/test.json')).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(`source definition sources/test.json: ${message}`),
      }),
    );
  });
});

describe('calling an HTTP source', () => {
  const authenticated = () =>
    createHttpSource(
      checkedHttp(
        withChanges({ auth: { secretArn: SECRET_ARN, header: 'x-amz-access-token', field: 'accessToken' } }),
        'test',
      ),
    );

  it('sends the credential from Secrets Manager as the configured header', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessToken: 's3cret' }) });
    const source = authenticated();

    const page = await source.fetch({
      kind: 'origin',
      params: { MarketplaceId: 'ATVPDKIKX0DER' },
      pageSize: 5,
    });

    expect(page.items).toHaveLength(5);
    expect(page.nextToken).toEqual(expect.any(String));
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET_ARN });
  });

  it("fails with the API's own code and message when the credential is refused", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessToken: 'wrong' }) });
    const source = createHttpSource(
      checkedHttp(
        withChanges({
          auth: {
            secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf',
            header: 'x-amz-access-token',
            field: 'accessToken',
          },
        }),
        'test',
      ),
    );

    await expect(
      source.fetch({ kind: 'origin', params: { MarketplaceId: 'ATVPDKIKX0DER' }, pageSize: 5 }),
    ).rejects.toMatchObject({
      name: 'Unauthorized',
      status: 403,
    });
  });

  it('fills params into the body, never into the host', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessToken: 's3cret' }) });
    sandbox.resetStats();

    await authenticated().fetch({ kind: 'origin', params: { MarketplaceId: 'ATVPDKIKX0DER' }, pageSize: 3 });

    expect(sandbox.stats.requests).toEqual([
      { path: '/orders/ListOrders', body: { MarketplaceId: 'ATVPDKIKX0DER', MaxResults: 3 } },
    ]);
  });

  it('maps 404 NotFound to a permanent error named after the API code', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessToken: 's3cret' }) });

    await expect(
      authenticated().fetch({ kind: 'origin', params: { MarketplaceId: 'A1PA6795UKMFR9' }, pageSize: 3 }),
    ).rejects.toMatchObject({
      name: 'NotFound',
      message: expect.stringContaining('A1PA6795UKMFR9'),
    });
  });

  it('maps an unreachable endpoint to SourceUnavailable', async () => {
    const source = createHttpSource(
      checkedHttp(withChanges({ endpoint: { baseUrl: 'http://127.0.0.1:9' } }), 'test'),
    );

    await expect(
      source.fetch({ kind: 'origin', params: { MarketplaceId: 'ATVPDKIKX0DER' }, pageSize: 3 }),
    ).rejects.toMatchObject({
      name: 'SourceUnavailable',
    });
  });
});
