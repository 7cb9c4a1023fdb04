import { InvalidInput } from '../errors';
import type { SyncMode } from './options';
import { compareStarted, type MarkedRun, type RunMark } from './run-marks';

/**
 * What the last successful sync of a collection left behind. Everything older than
 * `oldestPending` (or than `newest`, when nothing was pending) was stored in a final state
 * then, so it cannot have changed since.
 */
export interface Watermark {
  readonly collection: string;
  /** The newest run when that sync read its first page; null when the collection had none. */
  readonly newest: RunMark | null;
  /** The oldest run that was not final then (RUNNING, WAITING, ...); null when all were final. */
  readonly oldestPending: RunMark | null;
  readonly runId: string;
  readonly syncedAt: string;
}

/**
 * How a sync is going, carried in the cursor (constant size: marks, never lists of runs).
 * Kept for full drains too, so a full drain leaves a watermark for the next incremental sync.
 */
export interface SyncProgress {
  /** The run an incremental sync reads down to (inclusive); null reads every page. */
  readonly floor: RunMark | null;
  /** The first run of the current pass's first page: the next watermark's `newest`. */
  readonly newest: RunMark | null;
  /** The oldest non-final run seen by this run, over every pass. */
  readonly oldestPending: RunMark | null;
  /** When the last run of the previous page started, to check the order across pages. */
  readonly lastStartedOn: string | null;
  /** True while every page listed its runs newest first; a watermark is written only then. */
  readonly ordered: boolean;
  /** Why an incremental sync reads every page; null while it may stop early. */
  readonly fullPassReason: string | null;
  /** The id of the run at or below the floor on the page where the sync stopped; null until then. */
  readonly stoppedAt: string | null;
}

/**
 * The sync progress a cursor carries, checked field by field: a continue or resume hands it
 * on, and the stop of an incremental sync depends on it. `at` names it in the error.
 */
export function parseSyncProgress(raw: unknown, at: string): SyncProgress {
  const p = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<
    string,
    unknown
  >;
  const fail = (field: string, allowed: string): never => {
    throw new InvalidInput(`${at}.${field} must be ${allowed}; got ${JSON.stringify(p[field]) ?? 'nothing'}`);
  };
  if (p !== raw) throw new InvalidInput(`${at} must be the sync progress object the state machine writes`);
  const mark = (field: string): RunMark | null => {
    const value = p[field];
    if (value === null) return null;
    const m = value as Record<string, unknown> | undefined;
    if (
      typeof m?.id !== 'string' ||
      typeof m.startedOn !== 'string' ||
      Number.isNaN(Date.parse(m.startedOn))
    ) {
      return fail(field, 'null or {"id", "startedOn"}');
    }
    return { id: m.id, startedOn: m.startedOn };
  };
  const text = (field: string): string | null =>
    p[field] === null || typeof p[field] === 'string'
      ? (p[field] as string | null)
      : fail(field, 'a string or null');
  if (typeof p.ordered !== 'boolean') fail('ordered', 'true or false');
  return {
    floor: mark('floor'),
    newest: mark('newest'),
    oldestPending: mark('oldestPending'),
    lastStartedOn: text('lastStartedOn'),
    ordered: p.ordered as boolean,
    fullPassReason: text('fullPassReason'),
    stoppedAt: text('stoppedAt'),
  };
}

/** The progress of a run that has read no page yet. */
export function initialProgress(): SyncProgress {
  return {
    floor: null,
    newest: null,
    oldestPending: null,
    lastStartedOn: null,
    ordered: true,
    fullPassReason: null,
    stoppedAt: null,
  };
}

/** One page, as the sync step sees it. */
export interface SyncPage {
  /** The page's runs in the order the source listed them. */
  readonly marks: readonly MarkedRun[];
  /** Set when some run carried no mark: its position is unknown, so the order cannot be trusted. */
  readonly unmarked: string | null;
  /** An origin call: the page begins a pass (the first, or one after a restart). */
  readonly firstOfPass: boolean;
  /**
   * The collection's watermark, read for the first page of an incremental pass: null when no
   * sync has succeeded yet, undefined when it was not read.
   */
  readonly watermark?: Watermark | null;
}

/** What the page means for the sync: the progress to carry on, and whether to stop here. */
export interface SyncDecision {
  readonly progress: SyncProgress;
  /** Stop after this page: everything older was stored final by the last sync. */
  readonly stop: boolean;
}

const describeRun = (m: RunMark) => `${m.id} (started ${m.startedOn})`;
const older = (a: RunMark | null, b: RunMark | null): RunMark | null =>
  a === null ? b : b === null ? a : compareStarted(b, a) < 0 ? b : a;

/** Why the page's order cannot be trusted, or null when it lists newest first after `last`. */
function orderProblem(page: SyncPage, lastStartedOn: string | null): string | null {
  if (page.unmarked !== null) return page.unmarked;
  let previous: RunMark | null = lastStartedOn === null ? null : { id: '', startedOn: lastStartedOn };
  for (const mark of page.marks) {
    if (previous && compareStarted(mark, previous) > 0) {
      const before = previous.id === '' ? 'the last run of the previous page' : `run ${previous.id}`;
      return `run ${describeRun(mark)} is listed after ${before} (started ${previous.startedOn}), which started earlier: the source did not list newest first`;
    }
    previous = mark;
  }
  return null;
}

/**
 * Decides, for one page of runs listed newest first, what the sync has learned and whether
 * it can stop: an incremental sync stops on the page that reaches its floor (the older of
 * the last sync's newest run and its oldest then-unfinished run), because every run below
 * it was stored final. When the order cannot be trusted (a page out of order, or a newest
 * run older than the last sync's) it reads every page instead and says why. Pure.
 */
export function decideSyncPage(mode: SyncMode, current: SyncProgress, page: SyncPage): SyncDecision {
  let progress: SyncProgress = current;
  const head = page.marks[0];
  const first: RunMark | null = head ? { id: head.id, startedOn: head.startedOn } : null;
  if (page.firstOfPass) {
    progress = { ...progress, newest: first, lastStartedOn: null, stoppedAt: null };
    if (mode === 'incremental' && page.watermark !== undefined && progress.fullPassReason === null) {
      const mark = page.watermark;
      if (mark === null) {
        progress = {
          ...progress,
          floor: null,
          fullPassReason: 'no earlier successful sync of this collection',
        };
      } else if (first && mark.newest && compareStarted(first, mark.newest) < 0) {
        progress = {
          ...progress,
          floor: null,
          fullPassReason: `the newest run listed, ${describeRun(first)}, is older than the newest run of the last sync, ${describeRun(mark.newest)}: the order cannot be trusted`,
        };
      } else {
        progress = { ...progress, floor: older(mark.newest, mark.oldestPending) };
      }
    }
  }

  const problem = orderProblem(page, progress.lastStartedOn);
  if (problem !== null) {
    progress = {
      ...progress,
      ordered: false,
      floor: null,
      fullPassReason: mode === 'incremental' ? (progress.fullPassReason ?? problem) : null,
    };
  }

  let oldestPending = progress.oldestPending;
  for (const mark of page.marks) {
    if (!mark.final) oldestPending = older(oldestPending, { id: mark.id, startedOn: mark.startedOn });
  }
  const last = page.marks[page.marks.length - 1];
  progress = {
    ...progress,
    oldestPending,
    lastStartedOn: last ? last.startedOn : progress.lastStartedOn,
  };

  const floor = mode === 'incremental' && progress.fullPassReason === null ? progress.floor : null;
  const reached = floor
    ? page.marks.find((m) => m.id === floor.id || compareStarted(m, floor) < 0)
    : undefined;
  if (!reached) return { progress, stop: false };
  return {
    progress: { ...progress, stoppedAt: reached.id },
    stop: true,
  };
}
