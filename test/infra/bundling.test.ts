import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PagewalkStack } from '../../infra/pagewalk-stack';
import { fromRepoRoot } from '../../infra/paths';
import { functionResource, newApp, scratchDir } from './support';

const scratch = scratchDir();

describe('bundling', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  // Slow on purpose (a few seconds): the only test that runs esbuild for real.
  it('bundles each handler with the local esbuild into a loadable CommonJS file (with a source map when sourceMaps is on), ships the deployed source definitions to the three handlers that read them, and the SDK clients of the deployed AWS ones to fetch-page alone', () => {
    // Any attempt to fall back to Docker fails at once instead of hanging.
    vi.stubEnv('CDK_DOCKER', join(scratch, 'no-docker-here'));
    const outdir = join(scratch, 'cdk.out');
    mkdirSync(outdir);
    // The default sources plus one opt-in AWS source.
    const deployed = [
      'glue.getJobRuns',
      'marketplace.customers',
      'marketplace.orders',
      'marketplace.reports',
    ];
    const stack = new PagewalkStack(newApp({ bundle: true, outdir }), 'Pagewalk', {
      sourceMaps: true,
      sources: [...deployed, 'aws.s3.listObjectsV2'],
    });
    const template = Template.fromStack(stack);
    const assetDir = (fn: IConstruct) => {
      const assetHash = (functionResource(template, stack, fn).Properties.Code.S3Key as string).replace(
        /\.zip$/,
        '',
      );
      return join(outdir, `asset.${assetHash}`);
    };

    const load = createRequire(import.meta.url);
    const { startRun, fetchPage, finishRun } = stack.functions;
    const api = stack.api!.handler;
    for (const fn of [startRun, fetchPage, finishRun, api]) {
      const dir = assetDir(fn);
      expect(existsSync(join(dir, 'index.js'))).toBe(true);
      expect(existsSync(join(dir, 'index.js.map'))).toBe(true);
      expect(existsSync(join(dir, 'index.mjs'))).toBe(false);

      vi.stubEnv('TABLE_NAME', 'pagewalk-test');
      vi.stubEnv('STATE_MACHINE_ARN', 'arn:aws:states:us-east-1:123456789012:stateMachine:pagewalk');
      vi.stubEnv('AWS_REGION', 'us-east-1');
      const bundle = load(join(dir, 'index.js')) as { handler?: unknown };
      expect(typeof bundle.handler).toBe('function');
    }

    // The deployed definitions, and no other.
    const definitions = readdirSync(fromRepoRoot('sources')).filter(
      (file) =>
        file.endsWith('.json') &&
        !file.startsWith('spapi-') &&
        (!file.startsWith('aws-') || file === 'aws-s3-list-objects-v2.json'),
    );
    expect(definitions).toHaveLength(5);
    // start-run and the API validate input against the registry; fetch-page runs the definitions.
    for (const fn of [startRun, fetchPage, api]) {
      const shipped = join(assetDir(fn), 'sources');
      expect(readdirSync(shipped).sort()).toEqual(definitions.sort());
      for (const file of definitions) {
        expect(readFileSync(join(shipped, file), 'utf8')).toBe(
          readFileSync(fromRepoRoot('sources', file), 'utf8'),
        );
      }
    }
    // finish-run never reads the registry.
    expect(existsSync(join(assetDir(finishRun), 'sources'))).toBe(false);

    // Only fetch-page calls the sources, so only its bundle carries their SDK clients, and only
    // the clients of the definitions deployed: Glue's and S3's, not CloudTrail's or SSM's.
    const carries = (fn: IConstruct, client: RegExp) =>
      client.test(readFileSync(join(assetDir(fn), 'index.js'), 'utf8'));
    const GLUE = /"GetJobRunsRequest"/;
    const SECRETS = /"GetSecretValueRequest"/;
    const S3 = /"ListObjectsV2Request"/;
    const NOT_DEPLOYED = /"LookupEventsRequest"|"GetParametersByPathRequest"/;
    expect([GLUE, SECRETS, S3, NOT_DEPLOYED].map((client) => carries(fetchPage, client))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    for (const fn of [startRun, finishRun, api]) {
      expect({ fn: fn.node.id, glue: carries(fn, GLUE), secrets: carries(fn, SECRETS) }).toEqual({
        fn: fn.node.id,
        glue: false,
        secrets: false,
      });
    }
  });
});
