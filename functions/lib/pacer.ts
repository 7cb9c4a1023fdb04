/**
 * One invocation's view of the run's token bucket (see pacing.ts): it starts from the cursor's
 * bucket, is charged for each call and told what each answer said, and writes the wait the
 * state machine must make into the cursors the invocation returns.
 */
import type { Cursor } from './cursor';
import {
  afterRateLimit,
  afterThrottle,
  expiresBefore,
  msUntilCall,
  type Pacing,
  refill,
  takeCall,
  waitSecondsFor,
} from './pacing';
import type { RunConfig } from './run-config';
import type { SourceDescription, SourcePage } from './sources/source';

/** The bucket with the same tokens, counted as of `now` (its refill starts there). */
const refillFrom = (pacing: Pacing, now: Date): Pacing => ({ ...pacing, at: now.toISOString() });

/** Whether `cursor` leaves a call to make: a continuation (or a poll with polls left), or the origin call of a pass not yet begun. */
export function callDue(cursor: Cursor, run: RunConfig): boolean {
  if (cursor.limit !== null) return false;
  if (cursor.page === 0) return true;
  if (cursor.nextToken === null || cursor.hasNext === false) return false;
  return cursor.moreResultsAvailable !== false || cursor.polls < run.options.maxPolls;
}

export class Pacer {
  private pacing: Pacing | null;
  /** Whether the last call was charged to a full bucket (see `answered`). */
  private chargedFull = false;

  constructor(
    start: Pacing | null,
    private readonly source: Pick<SourceDescription, 'tokenLifetimeSeconds'>,
    private readonly run: RunConfig,
    private readonly now: () => Date,
  ) {
    this.pacing = start;
  }

  /** Whether the run is paced at all (its source has a usage plan). */
  get paced(): boolean {
    return this.pacing !== null;
  }

  /** Milliseconds until the bucket allows a call; 0 for an unpaced run. */
  msUntilCall(): number {
    return this.pacing ? msUntilCall(this.pacing, this.now()) : 0;
  }

  /** Whether the token `cursor` carries dies before a call the quota allows. */
  tokenExpiresFirst(cursor: Cursor): boolean {
    const { pacing } = this;
    return (
      pacing !== null && cursor.nextToken !== null && expiresBefore(pacing, this.now(), this.msUntilCall())
    );
  }

  /** Charges the bucket for a call being made now. */
  take(): void {
    if (!this.pacing) return;
    const now = this.now();
    this.chargedFull = refill(this.pacing, now).tokens >= this.pacing.burst;
    this.pacing = takeCall(this.pacing, now);
  }

  /** Learns from an answer: the rate the API says it allows, and when the token it gave expires. */
  answered(page: Pick<SourcePage, 'rateLimit' | 'nextToken'>, calledAt: Date): void {
    if (!this.pacing) return;
    const lifetime = this.source.tokenLifetimeSeconds;
    // A full bucket stops refilling at the API too, until the request arrives there, which can
    // be well after it was charged here (the first call of a run also fetches its credential):
    // counting the refill from the answer keeps this count from running ahead of the API's.
    const anchored = this.chargedFull ? refillFrom(this.pacing, this.now()) : this.pacing;
    this.pacing = {
      ...afterRateLimit(anchored, page.rateLimit),
      tokenExpiresAt:
        lifetime !== undefined && page.nextToken !== null
          ? new Date(calledAt.getTime() + lifetime * 1000).toISOString()
          : null,
    };
  }

  /** Learns from a quota answer: the bucket is empty and the rate lower. */
  throttled(): void {
    if (this.pacing) this.pacing = afterThrottle(this.pacing, this.now());
  }

  /**
   * `cursor` with the bucket as it stands and, when a call is due but the bucket is empty for
   * longer than the function sleeps, the whole seconds "Wait for quota" must wait. A wait the
   * poll interval of MoreResultsAvailable=false already covers is left to "Wait for more
   * results"; a token that would expire first is not waited for (the next invocation restarts
   * without sending it).
   */
  settle(cursor: Cursor): Cursor {
    const { pacing } = this;
    if (!pacing) return { ...cursor, pacing: null, waitSeconds: 0 };
    let ms = callDue(cursor, this.run) ? this.msUntilCall() : 0;
    if (cursor.moreResultsAvailable === false && ms <= this.run.options.pollIntervalSeconds * 1000) ms = 0;
    if (this.tokenExpiresFirst(cursor)) ms = 0;
    return this.waiting(cursor, waitSecondsFor(ms), ms);
  }

  /**
   * `cursor` returned without a call because the bucket is empty (or the API said so): it waits
   * at least a second, however little is missing, so the state machine never spins.
   */
  waitBeforeCall(cursor: Cursor): Cursor {
    const ms = this.msUntilCall();
    return this.waiting(cursor, Math.max(1, waitSecondsFor(ms)), ms);
  }

  private waiting(cursor: Cursor, waitSeconds: number, ms: number): Cursor {
    const pacing = this.pacing as Pacing;
    return {
      ...cursor,
      pacing: {
        ...pacing,
        nextCallAt: waitSeconds > 0 ? new Date(this.now().getTime() + ms).toISOString() : null,
      },
      waitSeconds,
      waits: cursor.waits + (waitSeconds > 0 ? 1 : 0),
    };
  }
}
