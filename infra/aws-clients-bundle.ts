import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsSourceDefinition } from '../functions/lib/sources/definition';
import { awsClientsModule } from '../schema/aws-clients-module';
import { fromRepoRoot } from './paths';

/** The specifier the registry imports the clients by; fetch-page's bundle maps it to the generated module. */
export const AWS_CLIENTS_SPECIFIER = '#aws-clients';

/**
 * Writes the `#aws-clients` module for the definitions a deployment ships and returns its path,
 * for esbuild's `--alias`. It lives in node_modules/.cache (inside the repository, so its imports
 * of the SDK packages resolve to the repository's node_modules), named by its content, so
 * stacks synthesized at once never write over each other's.
 */
export function awsClientsBundleModule(definitions: readonly AwsSourceDefinition[]): string {
  const source = awsClientsModule(definitions, fromRepoRoot('functions/lib/sources/aws-client-types'), {
    lazy: false,
  });
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = fromRepoRoot('node_modules', '.cache', 'pagewalk');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `aws-clients-${hash}.ts`);
  writeFileSync(path, source);
  return path;
}
