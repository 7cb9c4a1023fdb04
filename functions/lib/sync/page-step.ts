import type { Cursor } from '../cursor';
import type { RunConfig } from '../run-config';
import type { CallKind } from '../sources/source';
import { decideSyncPage, initialProgress, type SyncProgress, type Watermark } from './decide';
import type { SyncMode } from './options';
import { type MarkedRun, syncTraits } from './run-marks';
import type { Watermarks } from './watermark';

/** What the page step of fetch-page learns from the sync: progress to carry, and whether to stop. */
export interface SyncStep {
  /** Undefined for sources that can only be read in full (no watermark is kept for them). */
  readonly sync?: SyncProgress;
  readonly stop: boolean;
}

/**
 * The sync's part of one page: marks the page's items, reads the collection's watermark on the
 * first page of an incremental pass, and decides (see {@link decideSyncPage}).
 */
export async function syncStep(
  run: RunConfig,
  cursor: Cursor,
  call: CallKind,
  items: ReadonlyArray<Record<string, unknown>>,
  watermarks: Pick<Watermarks, 'get'>,
): Promise<SyncStep> {
  const traits = syncTraits(run.source);
  if (!traits) return { stop: false };
  // Run records written before sync existed carry no sync option: they were full drains.
  const mode = run.options.sync ?? 'full';
  const firstOfPass = call === 'origin';
  let watermark: Watermark | null | undefined;
  if (firstOfPass && mode === 'incremental') watermark = await watermarks.get(run.collection);
  const marks: MarkedRun[] = [];
  let unmarked: string | null = null;
  for (const item of items) {
    const mark = traits.mark(item);
    if (typeof mark === 'string') unmarked ??= mark;
    else marks.push(mark);
  }
  const { progress, stop } = decideSyncPage(mode, cursor.sync ?? initialProgress(), {
    marks,
    unmarked,
    firstOfPass,
    watermark,
  });
  return { sync: progress, stop };
}

/** The watermark a succeeded sync leaves, or undefined when it must leave none (order not trusted). */
export function watermarkAfter(run: RunConfig, sync: SyncProgress, now: Date): Watermark | undefined {
  if (!sync.ordered) return undefined;
  return {
    collection: run.collection,
    newest: sync.newest,
    oldestPending: sync.oldestPending,
    runId: run.runId,
    syncedAt: now.toISOString(),
  };
}

/** What a run's summary says about its sync. */
export function syncSummary(mode: SyncMode, sync: SyncProgress) {
  return {
    mode,
    /** `incremental` when the sync stopped at its floor, `full` when it read every page. */
    pass: sync.stoppedAt ? 'incremental' : 'full',
    ...(sync.fullPassReason ? { fullPassReason: sync.fullPassReason } : {}),
    ...(sync.stoppedAt ? { stoppedAt: sync.stoppedAt } : {}),
  } as const;
}
