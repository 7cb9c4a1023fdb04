/**
 * aws-local-stepfunctions cannot run an execution whose input is `null`: `"input.$": "$"`
 * fails with "Path expression '$' does not point to a value" (States.Runtime), where AWS
 * passes null to the first Task and "Start run" refuses it with InvalidInput. So a null
 * input enters the engine as a marker object, which the handlers and the event log see as
 * null again.
 */

const MARKER_KEY = '__pagewalkNullExecutionInput';

/** What the engine runs with instead of a null input. */
export const NULL_INPUT_MARKER: Readonly<Record<string, true>> = Object.freeze({ [MARKER_KEY]: true });

const isMarker = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  (value as Record<string, unknown>)[MARKER_KEY] === true;

/** `value` with every marker (at any depth, arrays and objects) replaced by null. */
export function restoreNullInput<T>(value: T): T {
  if (isMarker(value)) return null as T;
  if (Array.isArray(value)) return value.map(restoreNullInput) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, restoreNullInput(v)]),
    ) as T;
  }
  return value;
}
