import { InvalidInput } from '../errors';
import { describe } from '../validate';
import { syncTraits } from './run-marks';

/**
 * - `full`: read every page (today's drain).
 * - `incremental`: read from the newest run down to what the last successful sync of the
 *   collection left final, then stop.
 */
export const SYNC_MODES = ['full', 'incremental'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/**
 * - `fail`: a start while another run holds the collection fails with CollectionBusy.
 * - `skip`: it succeeds as `skipped` and writes nothing (what a schedule wants: never doubled).
 */
export const IF_BUSY = ['fail', 'skip'] as const;
export type IfBusy = (typeof IF_BUSY)[number];

/** `options.sync` for `sourceName`: `incremental` only where the source's items carry a sync mark. */
export function parseSyncMode(raw: unknown, sourceName: string, base: SyncMode | undefined): SyncMode {
  if (raw === undefined) return base ?? 'full';
  if (raw !== 'full' && raw !== 'incremental') {
    throw new InvalidInput(`options.sync must be one of: ${SYNC_MODES.join(', ')}; got ${describe(raw)}`);
  }
  if (raw === 'incremental' && !syncTraits(sourceName)) {
    throw new InvalidInput(
      `options.sync "incremental" is supported for: glue.getJobRuns; ${sourceName} allows only "full"`,
    );
  }
  return raw;
}

/** `options.ifBusy`: what a start does when another run holds the collection. */
export function parseIfBusy(raw: unknown, base: IfBusy | undefined): IfBusy {
  if (raw === undefined) return base ?? 'fail';
  if (raw !== 'fail' && raw !== 'skip') {
    throw new InvalidInput(`options.ifBusy must be one of: ${IF_BUSY.join(', ')}; got ${describe(raw)}`);
  }
  return raw;
}
