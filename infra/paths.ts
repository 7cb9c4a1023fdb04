import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, resolved from this file rather than from the working directory,
 * so `cdk synth`, the tests and any script find the same handlers and ASL wherever
 * they are started from.
 */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Absolute path of a file given relative to the repository root. */
export function fromRepoRoot(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}
