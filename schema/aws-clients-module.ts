/**
 * The `#aws-clients` module: imports, by fixed path, of exactly the SDK clients and commands some
 * AWS definitions name, so a bundle carries those and no others, and nothing `require`s a package
 * by a name computed at run time. `npm run generate` writes it for every definition in sources/
 * (functions/lib/sources/aws-clients.ts, what tests and the local runtime use); the stack writes
 * one for the definitions it deploys and points fetch-page's bundle at it.
 */
import type { AwsSourceDefinition } from '../functions/lib/sources/definition';

/**
 * The TypeScript source of the module for `definitions`; `typesFrom` is where it imports its
 * types. `lazy` loads each package on first use with `import()`: right for the local runtime
 * and tests (a Glue run never evaluates the S3 client), wrong for a bundle, where esbuild cannot
 * tree-shake a dynamic import (fetch-page would grow from ~480 KB to ~760 KB with Glue alone).
 */
export function awsClientsModule(
  definitions: readonly AwsSourceDefinition[],
  typesFrom: string,
  options: { readonly lazy: boolean },
): string {
  const byPackage = new Map<string, { clients: Set<string>; commands: Set<string> }>();
  for (const { client } of definitions) {
    const entry = byPackage.get(client.package) ?? { clients: new Set(), commands: new Set() };
    entry.clients.add(client.name);
    entry.commands.add(client.command);
    byPackage.set(client.package, entry);
  }
  const packages = [...byPackage.keys()].sort();
  const names = (pkg: string) => {
    const entry = byPackage.get(pkg);
    const clients = [...(entry?.clients ?? [])].sort();
    const commands = [...(entry?.commands ?? [])].sort();
    return { clients, commands, all: [...commands, ...clients].sort().join(', ') };
  };
  const imports = options.lazy ? [] : packages.map((pkg) => `import { ${names(pkg).all} } from '${pkg}';`);
  const entries = packages.map((pkg) => {
    const { clients, commands, all } = names(pkg);
    const module = `{ clients: { ${clients.join(', ')} }, commands: { ${commands.join(', ')} } }`;
    return options.lazy
      ? [
          `  '${pkg}': async () => {`,
          `    const { ${all} } = await import('${pkg}');`,
          `    return ${module};`,
          '  },',
        ].join('\n')
      : `  '${pkg}': async () => (${module}),`;
  });
  return [
    '// Generated from the AWS source definitions (schema/aws-clients-module.ts): do not edit.',
    ...imports,
    `import type { AwsClientModules } from '${typesFrom}';`,
    '',
    `/** The SDK clients and commands the AWS source definitions name${options.lazy ? ', each package loaded on first use' : ''}. */`,
    entries.length === 0
      ? 'export const AWS_CLIENTS: AwsClientModules = {};'
      : `export const AWS_CLIENTS: AwsClientModules = {\n${entries.join('\n')}\n};`,
    '',
  ].join('\n');
}
