/**
 * One page of a page-fetch invocation: the source call, then its rows, the token guard, the
 * checkpoint and the cursor after it. `fetch-page.ts` runs these steps in a pipelined loop.
 */
import { type Cursor, normaliseToken, type RunLimit } from './cursor';
import { InconsistentPage, SourceTimeout } from './errors';
import type { FetchPageDeps } from './fetch-page';
import { DEFAULT_HISTORY_BUDGET, shouldContinueAsNew } from './history-budget';
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

/**
 * One page, in two halves the invocation overlaps: `fetch` (the source call) and `store`
 * (its rows, the token guard, the cursor after it). Every per-page rule lives here.
 */
export class PageStep {
  private readonly source: Source;
  private readonly params: unknown;

  constructor(
    private readonly run: RunConfig,
    private readonly deps: FetchPageDeps,
    /** Loop iterations in this execution once this invocation returns. */
    private readonly iterations: number,
    /** This execution's estimated history events once this invocation returns (it counts once). */
    private readonly historyEvents: number,
    /** When this segment started, for its one-year bound; null when the state machine sent none. */
    private readonly segmentStartedAt: Date | null,
  ) {
    this.source = getSource(run.source);
    this.params = this.source.parseParams(run.params);
  }

  /** The source call of the page after `cursor`, checked for consistency. */
  async fetch(call: CallKind, cursor: Cursor): Promise<SyncedPage> {
    const { source, params } = this;
    const pageSize = this.run.options.pageSize;
    let page: SourcePage;
    try {
      page =
        call === 'origin'
          ? await source.fetchOrigin(params, pageSize)
          : await source.fetchContinuation(params, pageSize, cursor.nextToken as string);
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
    checkConsistent(page, source);
    // An incremental sync that reached what the last sync left final ends here: no token, no more pages.
    const synced = await syncStep(this.run, cursor, call, page.items, this.deps.watermarks);
    return {
      ...page,
      nextToken: synced.stop ? null : page.nextToken,
      ...(synced.sync ? { sync: synced.sync } : {}),
    };
  }

  /** The page's rows (size-checked, nothing written yet) and the cursor after it. */
  prepare(call: CallKind, cursor: Cursor, page: SyncedPage): { rows: PageRows; next: Cursor } {
    const { run, deps } = this;
    const now = deps.now?.() ?? new Date();
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
      ...(page.sync ? { sync: page.sync } : {}),
    };
    return { rows, next };
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

  /** Checkpoints `next` once its page is durable, renewing the lease when it is due. */
  async checkpoint(next: Cursor): Promise<void> {
    const { run, deps } = this;
    await Promise.all([
      deps.runs.recordPage(run.runId, next),
      deps.leases.renewIfDue(run.collection, run.runId, leaseSeconds(run.options.pollIntervalSeconds)),
    ]);
  }
}
