import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cursor, RunLimit } from './cursor';
import { causeMessage, InconsistentPage, InvalidInput, RestartLimitExceeded } from './errors';
import type { RunConfig } from './run-config';
import { getSource } from './sources/registry';
import type { CallKind, Source, SourcePage } from './sources/source';
import { epochSeconds } from './store/conditions';
import { CollectionLeases, leaseSeconds } from './store/lease';
import { type PageWriterOptions, writePage } from './store/page-writer';
import { RunRecords } from './store/run-record';
import { TokenGuard } from './store/token-guard';
import { syncStep } from './sync/page-step';
import { Watermarks } from './sync/watermark';
import { isRecord } from './validate';

/**
 * What the state machine passes to the page-fetch function. `restart` is the origin call
 * made after the continuation call was caught with NextTokenCorrupted; the Catch left the
 * error in `cursor.tokenError`.
 */
export interface FetchPageEvent {
  readonly call: CallKind | 'restart';
  readonly run: RunConfig;
  readonly cursor: Cursor & { readonly tokenError?: { readonly Error?: string; readonly Cause?: unknown } };
}

/** What a page needs besides the event: built once per container by the handler. */
export interface FetchPageDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly runs: RunRecords;
  readonly leases: CollectionLeases;
  readonly tokens: TokenGuard;
  /** The collections' sync watermarks, read on the first page of an incremental sync. */
  readonly watermarks: Pick<Watermarks, 'get'>;
  readonly writerOptions?: PageWriterOptions;
  /** Days item rows live before DynamoDB's TTL deletes them; undefined keeps them for good. */
  readonly itemTtlDays?: number;
  readonly now?: () => Date;
}

/** The stores of `tableName`, for FetchPageDeps. */
export function pageStores(client: DynamoDBDocumentClient, tableName: string) {
  return {
    client,
    tableName,
    runs: new RunRecords(client, tableName),
    leases: new CollectionLeases(client, tableName),
    tokens: new TokenGuard(client, tableName),
    watermarks: new Watermarks(client, tableName),
  };
}

/** The number, within its pass, of the page this call reads: an origin or restart call begins a pass. */
export function pageNumber(event: Pick<FetchPageEvent, 'call' | 'cursor'>): number {
  return event.call === 'continuation' ? event.cursor.page + 1 : 1;
}

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

/** Validates the event the state machine built; a malformed one is a bug in the ASL, so say where. */
export function parseFetchPageEvent(event: unknown): FetchPageEvent {
  if (!isRecord(event) || !isRecord(event.run) || !isRecord(event.cursor)) {
    throw new InvalidInput('the page-fetch event must carry run and cursor objects');
  }
  if (event.call !== 'origin' && event.call !== 'continuation' && event.call !== 'restart') {
    throw new InvalidInput(
      `call must be one of: origin, continuation, restart; got ${JSON.stringify(event.call)}`,
    );
  }
  return event as unknown as FetchPageEvent;
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

/**
 * Reads one page, writes its items, checkpoints the run and returns the next cursor.
 * The order matters: items are durable before the checkpoint moves past them, so a
 * failure anywhere leaves a checkpoint from which nothing is lost.
 */
export async function fetchAndStorePage(event: FetchPageEvent, deps: FetchPageDeps): Promise<Cursor> {
  const { run } = event;
  const call: CallKind = event.call === 'restart' ? 'origin' : event.call;
  let cursor: Cursor = event.cursor;
  if (event.call === 'restart') {
    // Never send the rejected token again: count the restart and begin a new pass from the origin call.
    const reason = causeMessage(event.cursor.tokenError?.Cause) || 'the continuation token was rejected';
    if (cursor.restarts >= run.options.maxRestarts) {
      throw new RestartLimitExceeded(
        `gave up after ${cursor.restarts} restart(s) from the origin call (options.maxRestarts is ${run.options.maxRestarts}): ${reason}`,
      );
    }
    cursor = { ...cursor, restarts: cursor.restarts + 1, nextToken: null };
  }
  const source = getSource(run.source);
  const params = source.parseParams(run.params);
  const pageSize = run.options.pageSize;
  const number = pageNumber(event);
  const now = deps.now?.() ?? new Date();

  if (call === 'continuation' && cursor.nextToken === null) {
    throw new InvalidInput('a continuation call needs cursor.nextToken; the state machine sent none');
  }

  let page: SourcePage;
  try {
    page =
      call === 'origin'
        ? await source.fetchOrigin(params, pageSize)
        : await source.fetchContinuation(params, pageSize, cursor.nextToken as string);
  } catch (error) {
    throw source.mapError(error, call);
  }
  checkConsistent(page, source);
  // An incremental sync that reached what the last sync left final ends here: no token, no more pages.
  const synced = await syncStep(run, cursor, call, page.items, deps.watermarks);
  const nextToken = synced.stop ? null : page.nextToken;

  // Only a page that says "more now" hands on a token that must be new: after
  // MoreResultsAvailable=false the same token is asked again by design.
  const continuing = nextToken !== null && page.hasNext !== false && page.moreResultsAvailable !== false;
  const [written] = await Promise.all([
    writePage(
      deps.client,
      deps.tableName,
      {
        collection: run.collection,
        runId: run.runId,
        items: page.items,
        itemKey: (i) => source.itemKey(i),
        expiresAt: deps.itemTtlDays === undefined ? undefined : epochSeconds(now) + deps.itemTtlDays * 86_400,
      },
      deps.writerOptions,
    ),
    continuing
      ? deps.tokens.remember(run.runId, nextToken as string, {
          pass: cursor.restarts,
          page: number,
          fetch: cursor.fetches + 1,
        })
      : undefined,
  ]);

  // The origin call starts a new pass: page and item counts begin again, so after a
  // restart they count the distinct items of the final pass, which is what the table holds.
  const isPoll = call === 'continuation' && cursor.moreResultsAvailable === false;
  const counted = {
    fetches: cursor.fetches + 1,
    written: cursor.written + written,
  };
  // Built field by field so nothing else (such as a caught tokenError) is carried on.
  const next: Cursor = {
    signal: source.signal,
    nextToken,
    hasNext: page.hasNext,
    moreResultsAvailable: page.moreResultsAvailable,
    page: number,
    items: (call === 'origin' ? 0 : cursor.items) + written,
    restarts: cursor.restarts,
    polls: cursor.polls + (isPoll ? 1 : 0),
    iterations: cursor.iterations + 1,
    ...counted,
    limit: reachedLimit(run, counted, now),
    ...(synced.sync ? { sync: synced.sync } : {}),
  };
  await Promise.all([
    deps.runs.recordPage(run.runId, next),
    deps.leases.renew(run.collection, run.runId, leaseSeconds(run.options.pollIntervalSeconds)),
  ]);
  return next;
}
