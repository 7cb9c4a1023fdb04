import { InvalidInput } from '../errors';
import type { RunOptions } from '../run-options';
import { syncTraits } from './run-marks';

/**
 * - `full`: read every page (today's drain).
 * - `incremental`: read from the newest run down to what the last successful sync of the
 *   collection left final, then stop.
 */
export type SyncMode = RunOptions['sync'];

/**
 * - `fail`: a start while another run holds the collection fails with CollectionBusy.
 * - `skip`: it succeeds as `skipped` and writes nothing (what a schedule wants: never doubled).
 */
export type IfBusy = RunOptions['ifBusy'];

/** `incremental` only where the source's items carry a sync mark (see run-marks.ts). */
export function checkSyncSupported(mode: string, sourceName: string): void {
  if (mode === 'incremental' && !syncTraits(sourceName)) {
    throw new InvalidInput(
      `options.sync "incremental" is supported for: glue.getJobRuns; ${sourceName} allows only "full"`,
    );
  }
}
