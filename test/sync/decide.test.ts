import { describe, expect, it } from 'vitest';
import {
  decideSyncPage,
  initialProgress,
  parseSyncProgress,
  type Watermark,
} from '../../functions/lib/sync/decide';
import { type MarkedRun, syncTraits } from '../../functions/lib/sync/run-marks';

/** Run n started n hours after 2026-01-01; higher n is newer. */
const run = (n: number, final = true): MarkedRun => ({
  id: `jr_${n}`,
  startedOn: new Date(Date.UTC(2026, 0, 1, n)).toISOString(),
  final,
});
const mark = (n: number) => ({ id: `jr_${n}`, startedOn: run(n).startedOn });
/** Runs from `from` down to `to`, newest first. */
const newestFirst = (from: number, to: number, pending: number[] = []) =>
  Array.from({ length: from - to + 1 }, (_, i) => run(from - i, !pending.includes(from - i)));
const watermark = (newest: number | null, oldestPending: number | null = null): Watermark => ({
  collection: 'glue.getJobRuns#j',
  newest: newest === null ? null : mark(newest),
  oldestPending: oldestPending === null ? null : mark(oldestPending),
  runId: 'earlier',
  syncedAt: '2026-01-02T00:00:00.000Z',
});
const page = (marks: MarkedRun[], firstOfPass: boolean, w?: Watermark | null) => ({
  marks,
  unmarked: null,
  firstOfPass,
  watermark: w,
});

describe('an incremental sync against a watermark', () => {
  it('stops on the page that reaches the last sync’s newest run', () => {
    const first = decideSyncPage(
      'incremental',
      initialProgress(),
      page(newestFirst(20, 18), true, watermark(15)),
    );
    expect(first.stop).toBe(false);

    const second = decideSyncPage('incremental', first.progress, page(newestFirst(17, 15), false));

    expect(second.stop).toBe(true);
    expect(second.progress).toMatchObject({ newest: mark(20), stoppedAt: 'jr_15', fullPassReason: null });
  });

  it('reads down to a run that was unfinished at the last sync, past the newest run it saw', () => {
    const w = watermark(15, 12);
    const first = decideSyncPage('incremental', initialProgress(), page(newestFirst(16, 14), true, w));
    expect(first.stop).toBe(false);

    const second = decideSyncPage('incremental', first.progress, page(newestFirst(13, 11), false));

    expect(second.stop).toBe(true);
    expect(second.progress.stoppedAt).toBe('jr_12');
  });

  it('stops at an older run when the floor run itself is gone from the listing', () => {
    const decision = decideSyncPage(
      'incremental',
      initialProgress(),
      page([run(20), run(14)], true, watermark(15)),
    );

    expect(decision.stop).toBe(true);
    expect(decision.progress.stoppedAt).toBe('jr_14');
  });

  it('remembers the oldest unfinished run it read, for the next watermark', () => {
    const decision = decideSyncPage(
      'incremental',
      initialProgress(),
      page(newestFirst(20, 15, [19, 17]), true, watermark(15)),
    );

    expect(decision.progress.oldestPending).toEqual(mark(17));
  });

  it('never stops when the last sync saw no runs at all: every run is new', () => {
    const decision = decideSyncPage(
      'incremental',
      initialProgress(),
      page(newestFirst(3, 1), true, watermark(null)),
    );

    expect(decision.stop).toBe(false);
    expect(decision.progress.fullPassReason).toBeNull();
  });
});

describe('when an incremental sync must read every page', () => {
  it('says so when no sync of the collection has succeeded yet', () => {
    const decision = decideSyncPage('incremental', initialProgress(), page(newestFirst(3, 1), true, null));

    expect(decision.stop).toBe(false);
    expect(decision.progress.fullPassReason).toBe('no earlier successful sync of this collection');
  });

  it('falls back when the newest run listed is older than the last sync’s newest', () => {
    const decision = decideSyncPage(
      'incremental',
      initialProgress(),
      page(newestFirst(10, 5), true, watermark(12)),
    );

    expect(decision.stop).toBe(false);
    expect(decision.progress.fullPassReason).toContain('older than the newest run of the last sync, jr_12');
    // Its own pages were in order, so this sync may leave a watermark.
    expect(decision.progress.ordered).toBe(true);
  });

  it('falls back, and leaves the order untrusted, when a page is not newest first, even at its floor', () => {
    const decision = decideSyncPage(
      'incremental',
      initialProgress(),
      page([run(20), run(15), run(16)], true, watermark(15)),
    );

    expect(decision.stop).toBe(false);
    expect(decision.progress).toMatchObject({ ordered: false, floor: null });
    expect(decision.progress.fullPassReason).toContain('run jr_16');
  });

  it('checks the order across pages too', () => {
    const first = decideSyncPage('full', initialProgress(), page(newestFirst(20, 18), true));

    const second = decideSyncPage('full', first.progress, page([run(19), run(17)], false));

    expect(second.progress.ordered).toBe(false);
    // A full drain reads every page anyway: there is no fallback to report.
    expect(second.progress.fullPassReason).toBeNull();
  });

  it('treats a run without a mark as untrusted order', () => {
    const decision = decideSyncPage('incremental', initialProgress(), {
      ...page([run(20)], true, watermark(15)),
      unmarked: 'job run jr_x has no StartedOn',
    });

    expect(decision.progress).toMatchObject({
      ordered: false,
      fullPassReason: 'job run jr_x has no StartedOn',
    });
  });
});

describe('a full drain', () => {
  it('never stops early and records the newest run of its pass', () => {
    const decision = decideSyncPage(
      'full',
      initialProgress(),
      page(newestFirst(20, 15), true, watermark(18)),
    );

    expect(decision.stop).toBe(false);
    expect(decision.progress.newest).toEqual(mark(20));
  });

  it('takes the newest run again after a restart, keeping what was pending in the earlier pass', () => {
    const first = decideSyncPage('full', initialProgress(), page(newestFirst(20, 18, [18]), true));

    const restarted = decideSyncPage('full', first.progress, page(newestFirst(21, 19), true));

    expect(restarted.progress).toMatchObject({ newest: mark(21), oldestPending: mark(18) });
  });
});

describe('Glue job-run marks', () => {
  const traits = syncTraits('glue.getJobRuns');

  it.each([
    ['SUCCEEDED', true],
    ['FAILED', true],
    ['STOPPED', true],
    ['TIMEOUT', true],
    ['ERROR', true],
    ['EXPIRED', true],
    ['RUNNING', false],
    ['STARTING', false],
    ['STOPPING', false],
    ['WAITING', false],
  ])('counts a %s run as final: %s', (JobRunState, final) => {
    expect(traits?.mark({ Id: 'jr_1', StartedOn: '2026-01-01T00:00:00.000Z', JobRunState })).toEqual({
      id: 'jr_1',
      startedOn: '2026-01-01T00:00:00.000Z',
      final,
    });
  });

  it('gives no mark to a run without StartedOn, saying which', () => {
    expect(traits?.mark({ Id: 'jr_1', JobRunState: 'RUNNING' })).toBe('job run jr_1 has no StartedOn');
  });

  it('has no traits for sources that can only be read in full', () => {
    expect(syncTraits('marketplace.orders')).toBeUndefined();
  });
});

describe('sync progress handed on in a cursor', () => {
  it('reads back what the state machine wrote', () => {
    const progress = { ...initialProgress(), newest: mark(3), lastStartedOn: run(1).startedOn };

    expect(parseSyncProgress(JSON.parse(JSON.stringify(progress)), 'continue.cursor.sync')).toEqual(progress);
  });

  it('refuses a mark that is not {id, startedOn}, naming the field', () => {
    expect(() =>
      parseSyncProgress({ ...initialProgress(), floor: { id: 'jr_1' } }, 'continue.cursor.sync'),
    ).toThrow('continue.cursor.sync.floor must be null or {"id", "startedOn"}; got {"id":"jr_1"}');
  });
});
