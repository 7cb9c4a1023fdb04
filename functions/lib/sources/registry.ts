import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInput } from '../errors';
import { glueGetJobRuns } from './glue-get-job-runs';
import { type HttpSourceDefinition, parseHttpSourceDefinition } from './http-definition';
import { createHttpSource } from './http-source';
import type { Source } from './source';

const BUILT_IN: readonly Source[] = [glueGetJobRuns as Source];

/**
 * Where deployed HTTP source definitions live: `SOURCE_DEFINITIONS_DIR`, else `sources/`
 * beside the bundle on Lambda (the CDK stack copies them there), else `sources/` in the
 * working directory (the repo, for local runs).
 */
export function definitionsDir(): string {
  return process.env.SOURCE_DEFINITIONS_DIR ?? join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'sources');
}

/** Reads and validates every `*.json` definition in `dir`, refusing duplicate names. */
export function loadHttpDefinitions(dir: string): HttpSourceDefinition[] {
  if (!existsSync(dir)) return [];
  const names = new Set(BUILT_IN.map((s) => s.name));
  const definitions: HttpSourceDefinition[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const where = join(dir, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(where, 'utf8'));
    } catch (error) {
      throw new Error(`source definition ${where}: not valid JSON (${(error as Error).message})`);
    }
    const definition = parseHttpSourceDefinition(raw, where);
    if (names.has(definition.name))
      throw new Error(`source definition ${where}: name ${definition.name} is already taken`);
    names.add(definition.name);
    definitions.push(definition);
  }
  return definitions;
}

let sources: Map<string, Source> | undefined;

/** Every source, built once per container: the built-in ones and the deployed definitions. */
function allSources(): Map<string, Source> {
  if (!sources) {
    const http = loadHttpDefinitions(definitionsDir()).map((d) => createHttpSource(d) as Source);
    sources = new Map([...BUILT_IN, ...http].map((source) => [source.name, source]));
  }
  return sources;
}

/** Names an execution may give as `source`. */
export function sourceNames(): string[] {
  return [...allSources().keys()];
}

/** The source registered under `name`; `InvalidInput` naming the allowed values otherwise. */
export function getSource(name: unknown): Source {
  const source = typeof name === 'string' ? allSources().get(name) : undefined;
  if (!source) {
    throw new InvalidInput(
      `source must be one of: ${sourceNames().join(', ')}; got ${name === undefined ? 'nothing' : JSON.stringify(name)}`,
    );
  }
  return source;
}
