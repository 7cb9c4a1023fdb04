/**
 * StartExecution's input checks, as AWS makes them and before anything parses the text:
 * at most 256 KiB, valid JSON, and (a local guard) a nesting depth far below what the
 * engine's and the history's recursive JSON handling survive, so no input can crash the server.
 */
import { ApiError, validation } from './api-error';

/** Step Functions' limit on an execution's input (256 KiB). */
export const MAX_INPUT_BYTES = 262_144;

/**
 * Deepest nesting of arrays and objects accepted. pagewalk's inputs nest 3 levels; JSON.stringify
 * and the history code recurse per level and overflow the stack at a few thousand.
 */
export const MAX_INPUT_DEPTH = 100;

/** The deepest nesting of `[`/`{` in JSON text, counted without recursion (strings skipped). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** The parsed input of a StartExecution request; ApiError as AWS words it otherwise. */
export function parseExecutionInput(raw: unknown): unknown {
  const text = raw === undefined || raw === null ? '{}' : raw;
  if (typeof text !== 'string') throw validation('input', 'Member must be a string');
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
    throw validation('input', `Member must have length less than or equal to ${MAX_INPUT_BYTES}`);
  }
  const depth = nestingDepth(text);
  if (depth > MAX_INPUT_DEPTH) {
    throw new ApiError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: 'nesting depth ${depth} exceeds the local endpoint's limit of ${MAX_INPUT_DEPTH}'`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${(error as Error).message}'`,
    );
  }
}
