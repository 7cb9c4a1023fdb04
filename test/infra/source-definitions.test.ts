import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../functions/lib/sources/catalog';
import { fromRepoRoot } from '../../infra/paths';
import { copyDefinitionsCommands, loadSourceDefinitions } from '../../infra/source-definitions';
import {
  definitionsDir,
  functionResource,
  httpDefinition,
  iamStatements,
  scratchDir,
  synth,
} from './support';

const scratch = scratchDir();

const SECRET_A = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor/orders-AbCdEf';
const SECRET_B = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor/reports-GhIjKl';

/** The message the Lambda's own loader gives for `dir`. */
function loaderMessage(dir: string): string {
  try {
    loadDefinitions(dir);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`the loader accepted ${dir}`);
}

describe('source definitions at synth', () => {
  it('are read from the repository sources/ folder by default: Glue and the HTTP ones ship, the other AWS ones only when named', () => {
    const sources = loadSourceDefinitions();
    expect(sources.dir).toBe(fromRepoRoot('sources'));
    const all = readdirSync(fromRepoRoot('sources')).filter((f) => f.endsWith('.json'));
    expect(sources.available).toHaveLength(all.length);
    // The AWS ones ship only when named, the SP-API ones only with their secret (spapiSecretArn).
    expect(sources.files).toEqual(all.filter((f) => !f.startsWith('aws-') && !f.startsWith('spapi-')).sort());
    expect(sources.withoutSecret).toEqual([
      'spapi.financialEvents',
      'spapi.ordersV0',
      'spapi.orders',
      'spapi.reports',
    ]);
    expect(sources.definitions.map((d) => d.name).sort()).toEqual([
      'glue.getJobRuns',
      'marketplace.customers',
      'marketplace.orders',
      'marketplace.reports',
    ]);
    expect(sources.endpointVariables).toEqual(['PAGEWALK_ENDPOINT_URL_MARKETPLACE']);
  });

  it('fail synth naming the file and the JSON pointer when a definition breaks the schema', () => {
    const dir = definitionsDir(scratch, 'bad-signal', {
      'good.json': httpDefinition('vendor.good'),
      'bad.json': httpDefinition('vendor.bad', { signal: 'whenever' }),
    });
    expect(() => synth({ sourceDefinitionsDir: dir })).toThrow(
      `source definition ${join(dir, 'bad.json')}: /signal must be one of: tokenPresence, hasNext, moreResultsAvailable; got "whenever"`,
    );
  });

  it('fail synth when a definition is not JSON (as the Lambda loader would), or takes a name already used', () => {
    const notJson = definitionsDir(scratch, 'not-json', { 'broken.json': '{ "name": ' });
    expect(() => synth({ sourceDefinitionsDir: notJson })).toThrow(loaderMessage(notJson));
    const duplicate = definitionsDir(scratch, 'duplicate', {
      'a.json': httpDefinition('vendor.orders'),
      'b.json': httpDefinition('vendor.orders'),
    });
    expect(() => synth({ sourceDefinitionsDir: duplicate })).toThrow(/name vendor\.orders is already taken/);
  });

  it('fail synth when the folder does not exist', () => {
    const missing = join(scratch, 'no-such-folder');
    expect(() => synth({ sourceDefinitionsDir: missing })).toThrow(
      `sourceDefinitionsDir must be a folder of source definitions; got ${missing}`,
    );
  });

  it('are copied into a bundle by shell commands that quote every path', () => {
    const dir = definitionsDir(scratch, "it's quoted", { 'a.json': httpDefinition('vendor.a') });
    expect(copyDefinitionsCommands(loadSourceDefinitions(dir), '/asset out')).toEqual([
      `mkdir -p '/asset out/sources'`,
      `cp '${scratch}/it'\\''s quoted/a.json' '/asset out/sources/a.json'`,
    ]);
    const empty = definitionsDir(scratch, 'empty', {});
    expect(copyDefinitionsCommands(loadSourceDefinitions(empty), '/out')).toEqual([]);
  });
});

describe('secrets named by definitions', () => {
  it('are readable by fetch-page, exactly those ARNs, once each', () => {
    const dir = definitionsDir(scratch, 'auth', {
      'orders.json': httpDefinition('vendor.orders', { auth: { secretArn: SECRET_A, header: 'X-Api-Key' } }),
      'returns.json': httpDefinition('vendor.returns', {
        auth: { secretArn: SECRET_A, header: 'X-Api-Key' },
      }),
      'reports.json': httpDefinition('vendor.reports', {
        auth: { secretArn: SECRET_B, header: 'Authorization', field: 'token' },
      }),
      'public.json': httpDefinition('vendor.public'),
    });
    const { stack } = synth({ sourceDefinitionsDir: dir });
    const secrets = iamStatements(stack).filter((s) =>
      s.actions.some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secrets).toEqual([
      { role: 'FetchPageRole', actions: ['secretsmanager:GetSecretValue'], resources: [SECRET_A, SECRET_B] },
    ]);
  });

  it('grant nothing when no definition has auth', () => {
    const { template } = synth();
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('secretsmanager:');
  });
});

describe('deploy-time endpoints (sourceEndpoints)', () => {
  it('are set on fetch-page only, never on the other functions', () => {
    const { stack, template } = synth({
      sourceEndpoints: { PAGEWALK_ENDPOINT_URL_MARKETPLACE: 'https://sellers.example.com' },
    });
    const { startRun, fetchPage, finishRun } = stack.functions;
    expect(functionResource(template, stack, fetchPage).Properties.Environment.Variables).toMatchObject({
      PAGEWALK_ENDPOINT_URL_MARKETPLACE: 'https://sellers.example.com',
    });
    for (const fn of [startRun, finishRun]) {
      expect(functionResource(template, stack, fn).Properties.Environment.Variables).not.toHaveProperty(
        'PAGEWALK_ENDPOINT_URL_MARKETPLACE',
      );
    }
  });

  it('accept http:// to a loopback host, for testing', () => {
    expect(() =>
      synth({ sourceEndpoints: { PAGEWALK_ENDPOINT_URL_MARKETPLACE: 'http://127.0.0.1:8080' } }),
    ).not.toThrow();
  });

  it('reject plain http:// to any other host: params and credentials would travel in the clear', () => {
    expect(() =>
      synth({ sourceEndpoints: { PAGEWALK_ENDPOINT_URL_MARKETPLACE: 'http://sellers.example.com' } }),
    ).toThrow(
      'sourceEndpoints.PAGEWALK_ENDPOINT_URL_MARKETPLACE must be an https:// origin like "https://api.example.com" (http:// only for localhost, 127.0.0.1 or [::1]): plain http:// would send params and credentials in the clear; got "http://sellers.example.com"',
    );
  });

  it('reject a variable outside PAGEWALK_ENDPOINT_URL_*', () => {
    expect(() => synth({ sourceEndpoints: { AWS_ENDPOINT_URL_GLUE: 'https://glue.example.com' } })).toThrow(
      'sourceEndpoints keys must match ^PAGEWALK_ENDPOINT_URL_[A-Z0-9_]+$; got "AWS_ENDPOINT_URL_GLUE"',
    );
  });

  it('reject a variable no definition names, listing those that are', () => {
    expect(() =>
      synth({ sourceEndpoints: { PAGEWALK_ENDPOINT_URL_MARKETPLAC: 'https://x.example.com' } }),
    ).toThrow(
      `sourceEndpoints.PAGEWALK_ENDPOINT_URL_MARKETPLAC is named by no source definition in ${fromRepoRoot('sources')}; they name: PAGEWALK_ENDPOINT_URL_MARKETPLACE`,
    );
  });

  it.each(['ftp://sellers.example.com', 'https://sellers.example.com/v1', 'sellers.example.com'])(
    'reject %s, which is not an https:// origin',
    (url) => {
      expect(() => synth({ sourceEndpoints: { PAGEWALK_ENDPOINT_URL_MARKETPLACE: url } })).toThrow(
        `sourceEndpoints.PAGEWALK_ENDPOINT_URL_MARKETPLACE must be an https:// origin like "https://api.example.com" (http:// only for localhost, 127.0.0.1 or [::1]); got ${JSON.stringify(url)}`,
      );
    },
  );
});
