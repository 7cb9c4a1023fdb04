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
 * Whether an invocation may read one more page. A page is one period of the pipeline (its
 * write and checkpoint overlapping the next fetch); asking for page N+1 commits the
 * invocation to two more periods (finishing N, then N+1), so another page is allowed only
 * while two of the slowest periods seen so far fit in the budget and still leave a margin
 * of a few periods before the function's timeout.
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
    if (now - this.startedAt + 2 * period > this.budgetMs) return false;
    if (!this.context) return true;
    const left = this.context.getRemainingTimeInMillis() - 2 * period;
    return left >= Math.max(TIMEOUT_MARGIN_PAGES * period, TIMEOUT_MARGIN_MS);
  }
}
