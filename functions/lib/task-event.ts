import { type Cursor, parseCursor } from './cursor';
import { InvalidInput } from './errors';
import type { RunConfig } from './run-config';
import { isRecord } from './validate';

/** The run and cursor every Task after "Start run" is handed, with the event's other fields. */
export interface RunAndCursor {
  readonly fields: Record<string, unknown>;
  readonly run: RunConfig;
  readonly cursor: Cursor;
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * Whether `value` has the run config's shape: the fields the handlers read, each of its
 * type. Start run built it from a validated input; the state machine only carries it on.
 */
export function isRunConfig(value: unknown): value is RunConfig {
  return (
    isRecord(value) &&
    typeof value.runId === 'string' &&
    typeof value.source === 'string' &&
    typeof value.collection === 'string' &&
    typeof value.nextExecutionName === 'string' &&
    isCount(value.segment) &&
    isRecord(value.params) &&
    isRecord(value.options) &&
    isRecord(value.since) &&
    isCount(value.since.fetches) &&
    isCount(value.since.written)
  );
}

/**
 * Checks the part of a Task's event the state machine built from Start run's output: a
 * malformed one is a bug in the ASL, so the error names the task and the field.
 */
export function parseRunAndCursor(event: unknown, task: string): RunAndCursor {
  if (!isRecord(event) || !isRecord(event.cursor)) {
    throw new InvalidInput(`the ${task} event must carry run and cursor objects`);
  }
  if (!isRunConfig(event.run)) {
    throw new InvalidInput(`the ${task} event's run is not the run config Start run returns`);
  }
  return { fields: event, run: event.run, cursor: parseCursor(event.cursor, `the ${task} event's cursor`) };
}
