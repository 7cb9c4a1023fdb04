/**
 * One page of a page-fetch invocation: the paced source call, then its rows, the token guard,
 * the checkpoint and the cursor after it. `fetch-page.ts` runs these steps in a pipelined loop.
 */
import { type Cursor, normaliseToken, type RunLimit } from './cursor';
import { InconsistentPage, isErrorNamed, SourceTimeout, THROTTLE_ERROR_NAMES } from './errors';
import type { FetchPageDeps } from './fetch-deps';
import { DEFAULT_HISTORY_BUDGET, shouldContinueAsNew } from './history-budget';
import { Pacer } from './pacer';
import { MAX_SLEEP_MS } from './pacing';
import type { RunConfig } from './run-config';
import { isRequestTimeout } from './sources/aws-errors';
import { getSource } from './sources/registry';
import type { CallKind, Source, SourcePage } from './sources/source';
import { epochSeconds } from './store/conditions';
import { leaseSeconds } from './store/lease';
import { type PageRows, pageRows, writeRows } from './store/page-writer';
import type { SyncProgress } from './sync/decide';
import { syncStep } from './sync/page-step';
import { SOURCE_REQUEST_TIMEOUT_MS } from './timeouts';

/** The first limit of `run` that the counters reach, counted since the run was started or resumed. */
export function reachedLimit(
  run: RunConfig,
  counted: { fetches: number; written: number },
  now: Date,
): RunLimit | null {
  const { maxPages, maxItems, deadline } = run.options;
  if (maxPages !== null && counted.fetches - run.since.fetches >= maxPages) return 'maxPages';
  if (maxItems !== null && counted.written - run.since.written >= maxItems) return 'maxItems';
  if (deadline !== null && now.getTime() >= Date.parse(deadline)) return 'deadline';
  return null;
}

function checkConsistent(page: SourcePage, source: Source): void {
  if (page.hasNext === true && page.nextToken === null) {
    throw new InconsistentPage(`${source.name} answered HasNext=true without a NextToken`);
  }
  if (page.moreResultsAvailable !== null && page.nextToken === null) {
    throw new InconsistentPage(
      `${source.name} answered MoreResultsAvailable=${page.moreResultsAvailable} without a NextToken`,
    );
  }
}

/** Whether a page says "more, now": only then may the same invocation ask for the next one. */
export function moreNow(page: Pick<SourcePage, 'nextToken' | 'hasNext' | 'moreResultsAvailable'>): boolean {
  return page.nextToken !== null && page.hasNext !== false && page.moreResultsAvailable !== false;
}

/** A page as the sync sees it: an incremental sync that reached its floor drops the token. */
type SyncedPage = SourcePage & { readonly sync?: SyncProgress };

/** What a paced call gives: the page, or the cursor to hand back because the quota says wait. */
export type PacedResult = { readonly page: SyncedPage } | { readonly wait: Cursor };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const isThrottle = (error: unknown) => [...THROTTLE_ERROR_NAMES].some((name) => isErrorNamed(error, name));

/**
 * One page, in two halves the invocation overlaps: `fetch` (the paced source call) and `store`
 * (its rows, the token guard, the cursor after it). Every per-page rule lives here.
 */
export class PageStep {
  private readonly source: Source;
  private readonly params: unknown;
  /** The run's token bucket as this invocation spends it. */
  readonly pacer: Pacer;

  constructor(
    private readonly run: RunConfig,
    private readonly deps: FetchPageDeps,
    /** Loop iterations in this execution once this invocation returns. */
    private readonly iterations: number,
    /** This execution's estimated history events once this invocation returns (it counts once). */
    private readonly historyEvents: number,
    /** When this segment started, for its one-year bound; null when the state machine sent none. */
    private readonly segmentStartedAt: Date | null,
    /** The cursor the invocation begins from; its bucket is the one spent. */
    start: Cursor,
  ) {
    this.source = getSource(run.source);
    this.params = this.source.parseParams(run.params);
    this.pacer = new Pacer(start.pacing, this.source, run, () => this.now());
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * The call of the page after `cursor` within the quota: it sleeps a wait of at most about a
   * second, and hands back `cursor` with the wait for "Wait for quota" when the bucket is empty
   * for longer or the API answered that the quota is exceeded (a paced source only: an unpaced
   * one's throttle is thrown for the Task's Retry).
   */
  async pacedFetch(call: CallKind, cursor: Cursor): Promise<PacedResult> {
    const stamped = { ...cursor, ...this.stamp(this.now()) };
    const ms = this.pacer.msUntilCall();
    if (ms > MAX_SLEEP_MS) return { wait: this.pacer.waitBeforeCall(stamped) };
    if (ms > 0) await (this.deps.sleep ?? defaultSleep)(ms);
    this.pacer.take();
    const calledAt = this.now();
    try {
      const page = await this.fetch(call, cursor);
      this.pacer.answered(page, calledAt);
      return { page };
    } catch (error) {
      if (!this.pacer.paced || !isThrottle(error)) throw error;
      this.pacer.throttled();
      return { wait: this.pacer.waitBeforeCall(stamped) };
    }
  }

  /** The source call of the page after `cursor`, checked for consistency. */
  async fetch(call: CallKind, cursor: Cursor): Promise<SyncedPage> {
    const { source, params } = this;
    const pageSize = this.run.options.pageSize;
    let page: SourcePage;
    try {
      page = await source.fetch(
        call === 'origin'
          ? { kind: 'origin', params, pageSize }
          : { kind: 'continuation', params, pageSize, nextToken: cursor.nextToken as string },
      );
    } catch (error) {
      if (isRequestTimeout(error)) {
        const number = call === 'continuation' ? cursor.page + 1 : 1;
        throw new SourceTimeout(
          `${source.name} gave no answer to page ${number} (the ${call} call) within ${SOURCE_REQUEST_TIMEOUT_MS} ms, the request timeout`,
          { cause: error },
        );
      }
      throw source.mapError(error, call);
    }
    // An empty token means "no more" wherever it comes from; it is never sent back.
    page = { ...page, nextToken: normaliseToken(page.nextToken) };
    if (source.repeatedTokenMeansCaughtUp && page.nextToken !== null) {
      // The token came back: nothing more for now, asked again with the same token (the fourth signal).
      const repeated = call === 'continuation' && page.nextToken === cursor.nextToken;
      page = { ...page, moreResultsAvailable: !repeated };
    }
    checkConsistent(page, source);
    // An incremental sync that reached what the last sync left final ends here: no token, no more pages.
    const synced = await syncStep(this.run, cursor, call, page.items, this.deps.watermarks);
    return {
      ...page,
      nextToken: synced.stop ? null : page.nextToken,
      ...(synced.sync ? { sync: synced.sync } : {}),
    };
  }

  /** The page's rows (size-checked, nothing written yet) and the cursor after it, with the wait its quota asks. */
  prepare(call: CallKind, cursor: Cursor, page: SyncedPage): { rows: PageRows; next: Cursor } {
    const { run, deps } = this;
    const now = this.now();
    const rows = pageRows({
      collection: run.collection,
      runId: run.runId,
      items: page.items,
      itemKey: (i) => this.source.itemKey(i),
      expiresAt: deps.itemTtlDays === undefined ? undefined : epochSeconds(now) + deps.itemTtlDays * 86_400,
    });
    // The origin call starts a new pass: page and item counts begin again, so after a
    // restart they count the distinct items of the final pass, which is what the table holds.
    const isPoll = call === 'continuation' && cursor.moreResultsAvailable === false;
    const counted = { fetches: cursor.fetches + 1, written: cursor.written + rows.size };
    // Built field by field so nothing else (such as a caught tokenError) is carried on.
    const next: Cursor = {
      signal: this.source.signal,
      nextToken: page.nextToken,
      hasNext: page.hasNext,
      moreResultsAvailable: page.moreResultsAvailable,
      page: call === 'continuation' ? cursor.page + 1 : 1,
      items: (call === 'origin' ? 0 : cursor.items) + rows.size,
      restarts: cursor.restarts,
      polls: cursor.polls + (isPoll ? 1 : 0),
      ...this.stamp(now),
      ...counted,
      limit: reachedLimit(run, counted, now),
      pacing: cursor.pacing,
      waitSeconds: 0,
      waits: cursor.waits,
      ...(page.sync ? { sync: page.sync } : {}),
    };
    return { rows, next: this.pacer.settle(next) };
  }

  /** What this invocation sets on every cursor it returns: its iteration, history estimate and whether to continue as new. */
  stamp(now: Date): Pick<Cursor, 'iterations' | 'historyEvents' | 'continueAsNew'> {
    return {
      iterations: this.iterations,
      historyEvents: this.historyEvents,
      continueAsNew: shouldContinueAsNew(
        {
          iterations: this.iterations,
          historyEvents: this.historyEvents,
          startedAt: this.segmentStartedAt,
          now,
        },
        this.run.options.iterationsPerExecution,
        this.deps.historyBudget ?? DEFAULT_HISTORY_BUDGET,
      ),
    };
  }

  /** Makes the page durable: its rows, and the token it hands on remembered by the loop guard. */
  async store(rows: PageRows, cursor: Cursor, next: Cursor): Promise<void> {
    const { run, deps } = this;
    // Only a page that says "more now" hands on a token that must be new: after
    // MoreResultsAvailable=false the same token is asked again by design.
    await Promise.all([
      writeRows(deps.client, deps.tableName, rows, deps.writerOptions),
      moreNow(next)
        ? deps.tokens.remember(run.runId, next.nextToken as string, {
            pass: cursor.restarts,
            page: next.page,
            fetch: next.fetches,
          })
        : undefined,
    ]);
  }

  /**
   * Checkpoints `next` once its page is durable, renewing the lease when it is due; a wait for
   * quota longer than the run's poll interval renews it at once, for the whole wait.
   */
  async checkpoint(next: Cursor): Promise<void> {
    const { run, deps } = this;
    const { pollIntervalSeconds } = run.options;
    const seconds = leaseSeconds(Math.max(pollIntervalSeconds, next.waitSeconds));
    await Promise.all([
      deps.runs.recordPage(run.runId, next),
      next.waitSeconds > pollIntervalSeconds
        ? deps.leases.renew(run.collection, run.runId, seconds)
        : deps.leases.renewIfDue(run.collection, run.runId, seconds),
    ]);
  }
}
