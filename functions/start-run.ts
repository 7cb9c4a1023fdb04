import type { Cursor } from './lib/cursor';
import { initialCursor } from './lib/cursor';
import { requireEnv } from './lib/env';
import { InvalidInput } from './lib/errors';
import { parseRunInput, type RunConfig } from './lib/run-config';
import { getSource } from './lib/sources/registry';
import { isRecord } from './lib/sources/validate';
import { documentClient } from './lib/store/dynamo';
import { RunRecords } from './lib/store/run-record';

const tableName = requireEnv('TABLE_NAME');
const runs = new RunRecords(documentClient, tableName);

/** What the "Start run" state passes: the raw execution input and the execution's identity. */
export interface StartRunEvent {
  readonly input: unknown;
  readonly execution: { readonly id: string; readonly name: string };
}

/**
 * Validates the execution input and creates the run record. Invalid input fails here,
 * before anything is written, with an `InvalidInput` naming the field.
 */
export const handler = async (event: unknown): Promise<{ run: RunConfig; cursor: Cursor }> => {
  if (!isRecord(event) || !isRecord(event.execution) || typeof event.execution.name !== 'string') {
    throw new InvalidInput('the start-run event must carry the execution input and the execution name');
  }
  const { input, execution } = event as unknown as StartRunEvent;
  const run = parseRunInput(input, execution.name);
  const source = getSource(run.source);
  const cursor = initialCursor(source.signal);
  await runs.create(run, source.collection(source.parseParams(run.params)), execution.id, cursor);
  return { run, cursor };
};
