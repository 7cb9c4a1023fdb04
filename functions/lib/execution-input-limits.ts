/**
 * The limits of an execution input that both sides check: the local Step Functions endpoint
 * refuses an input past them as AWS does, and the CLI says so before it sends one.
 */

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
