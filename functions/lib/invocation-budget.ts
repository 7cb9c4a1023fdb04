import { performance } from 'node:perf_hooks';

/**
 * What a handler needs of the Lambda context (the runtime passes more). The local engine
 * passes the same shape, derived from the function's timeout.
 */
export interface InvocationContext {
  readonly functionName?: string;
  readonly awsRequestId?: string;
  /** Milliseconds until the runtime stops the invocation. */
  getRemainingTimeInMillis(): number;
}

/** Page times kept free before the function timeout, on top of the pages in flight. */
export const TIMEOUT_MARGIN_PAGES = 3;
/** And at least this much, for one slow checkpoint write. */
export const TIMEOUT_MARGIN_MS = 500;

/**
 * Periods an invocation commits to when it asks for page N+1: finishing N−1 (its rows may
 * still be written), N, then N+1. See fetch-page.ts for the pipeline.
 */
export const PERIODS_COMMITTED = 3;

/**
 * Whether an invocation may read one more page. A page is one period of the pipeline (its
 * write and checkpoint overlapping the later fetches); asking for page N+1 commits the
 * invocation to PERIODS_COMMITTED more periods, so another page is allowed only while that
 * many of the slowest periods seen so far fit in the budget and still leave a margin of a
 * few periods before the function's timeout.
 */
export class InvocationBudget {
  private readonly startedAt: number;
  private lastMark: number;
  private slowestPeriodMs = 0;

  /**
   * @param budgetMs the invocation's own budget (`invocationBudgetSeconds`).
   * @param context the Lambda context; without one only `budgetMs` applies.
   */
  constructor(
    private readonly budgetMs: number,
    private readonly context?: InvocationContext,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedAt = clock();
    this.lastMark = this.startedAt;
  }

  /** Marks a page done: the end of one period. */
  pageDone(): void {
    const now = this.clock();
    this.slowestPeriodMs = Math.max(this.slowestPeriodMs, now - this.lastMark);
    this.lastMark = now;
  }

  /** Whether one more page fits (see the class comment). */
  allowsAnother(): boolean {
    const now = this.clock();
    const period = Math.max(this.slowestPeriodMs, now - this.lastMark);
    if (now - this.startedAt + PERIODS_COMMITTED * period > this.budgetMs) return false;
    if (!this.context) return true;
    const left = this.context.getRemainingTimeInMillis() - PERIODS_COMMITTED * period;
    return left >= Math.max(TIMEOUT_MARGIN_PAGES * period, TIMEOUT_MARGIN_MS);
  }
}
