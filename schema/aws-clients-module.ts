/**
 * The `#aws-clients` module: static imports of exactly the SDK clients and commands some AWS
 * definitions name, so a bundle carries those and no others, and nothing `require`s a package by
 * name at run time. `npm run generate` writes it for every definition in sources/
 * (functions/lib/sources/aws-clients.ts, what tests and the local runtime use); the stack writes
 * one for the definitions it deploys and points fetch-page's bundle at it.
 */
import type { AwsSourceDefinition } from '../functions/lib/sources/definition';

/** The TypeScript source of the module for `definitions`; `typesFrom` is where it imports its types. */
export function awsClientsModule(definitions: readonly AwsSourceDefinition[], typesFrom: string): string {
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
    return { clients: [...(entry?.clients ?? [])].sort(), commands: [...(entry?.commands ?? [])].sort() };
  };
  const imports = packages.map((pkg) => {
    const { clients, commands } = names(pkg);
    return `import { ${[...commands, ...clients].sort().join(', ')} } from '${pkg}';`;
  });
  const entries = packages.map((pkg) => {
    const { clients, commands } = names(pkg);
    return `  '${pkg}': { clients: { ${clients.join(', ')} }, commands: { ${commands.join(', ')} } },`;
  });
  return [
    '// Generated from the AWS source definitions (schema/aws-clients-module.ts): do not edit.',
    ...imports,
    `import type { AwsClientModules } from '${typesFrom}';`,
    '',
    '/** The SDK clients and commands the AWS source definitions name. */',
    entries.length === 0
      ? 'export const AWS_CLIENTS: AwsClientModules = {};'
      : `export const AWS_CLIENTS: AwsClientModules = {\n${entries.join('\n')}\n};`,
    '',
  ].join('\n');
}
