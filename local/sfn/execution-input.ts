/**
 * StartExecution's input checks, as AWS makes them and before anything parses the text:
 * at most 256 KiB, valid JSON, and (a local guard) a nesting depth far below what the
 * engine's and the history's recursive JSON handling survive, so no input can crash the server.
 * The limits themselves are in functions/lib/execution-input-limits.ts, which the CLI reads too.
 */

import { assertIsError } from '../../functions/lib/errors';
import { MAX_INPUT_BYTES, MAX_INPUT_DEPTH, nestingDepth } from '../../functions/lib/execution-input-limits';
import { ProtocolError } from '../aws-json';
import { validation } from './protocol';

/** The parsed input of a StartExecution request; ProtocolError as AWS words it otherwise. */
export function parseExecutionInput(raw: unknown): unknown {
  const text = raw === undefined || raw === null ? '{}' : raw;
  if (typeof text !== 'string') throw validation('input', 'Member must be a string');
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
    throw validation('input', `Member must have length less than or equal to ${MAX_INPUT_BYTES}`);
  }
  const depth = nestingDepth(text);
  if (depth > MAX_INPUT_DEPTH) {
    throw new ProtocolError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: 'nesting depth ${depth} exceeds the local endpoint's limit of ${MAX_INPUT_DEPTH}'`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    assertIsError(error);
    throw new ProtocolError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${error.message}'`,
    );
  }
}
