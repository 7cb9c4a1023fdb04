/**
 * Remembers, on this machine, which inputs passed a pure validation, so a process does not pay
 * again for a check whose answer cannot have changed: asl-validator on an ASL document, and ajv
 * on the source definitions (schema/definition-schema.ts), each cost a few hundred milliseconds
 * of CPU in every process that builds a local state machine or starts the local runtime, most
 * of it loading the validator and compiling its JSON Schemas. The mark is keyed by a SHA-256 of everything the answer
 * depends on (the validator's version, its options, the document), so an edited file is
 * checked again. Only passes are remembered; a failure throws each time.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Beside the bundler's cache (infra/aws-clients-bundle.ts): inside the repository, never shared. */
const CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/pagewalk/validated', import.meta.url));

/**
 * Runs `check` (which throws when the input is invalid) and returns what it returns; `check`
 * gets whether it must really validate: not when the same `inputs` passed it before under `kind`.
 */
export function validatedOnce<T>(
  kind: string,
  inputs: readonly string[],
  check: (validate: boolean) => T,
): T {
  const hash = createHash('sha256');
  for (const input of [kind, ...inputs]) hash.update(`${input.length}:${input}`);
  const mark = join(CACHE_DIR, `${kind}-${hash.digest('hex').slice(0, 32)}`);
  if (existsSync(mark)) return check(false);
  const result = check(true);
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(mark, '');
  } catch {
    // A read-only checkout only loses the shortcut.
  }
  return result;
}
