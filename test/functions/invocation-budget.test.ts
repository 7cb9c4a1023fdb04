import { describe, expect, it } from 'vitest';
import { InvocationBudget } from '../../functions/lib/invocation-budget';

/** A budget on a clock the test moves by hand. */
function budgetAt(budgetMs: number, remainingAtStartMs?: number) {
  let now = 0;
  const context =
    remainingAtStartMs === undefined
      ? undefined
      : { getRemainingTimeInMillis: () => remainingAtStartMs - now };
  const budget = new InvocationBudget(budgetMs, context, () => now);
  return {
    budget,
    /** Moves the clock on by `ms` and marks a page done there. */
    page(ms: number) {
      now += ms;
      budget.pageDone();
    },
    wait(ms: number) {
      now += ms;
    },
  };
}

describe('an invocation budget', () => {
  it('allows another page only while three of the slowest page times still fit in it', () => {
    const clock = budgetAt(1000);
    clock.page(100);
    clock.page(50);
    // 150 ms gone; the slowest page took 100 ms: 150 + 3 × 100 ≤ 1000.
    expect(clock.budget.allowsAnother()).toBe(true);
    for (let i = 0; i < 11; i++) clock.page(50);
    // 700 + 3 × 100 = 1000: still in.
    expect(clock.budget.allowsAnother()).toBe(true);
    clock.page(1);
    expect(clock.budget.allowsAnother()).toBe(false);
  });

  it('counts the page in progress as a page time once it runs longer than the slowest done', () => {
    const clock = budgetAt(1000);
    clock.page(50);
    clock.wait(240);
    // 290 ms gone, 240 of them in a page not done yet: 290 + 3 × 240 > 1000.
    expect(clock.budget.allowsAnother()).toBe(false);
  });

  it('keeps a few page times free before the function timeout, and at least half a second', () => {
    // A long own budget: only the Lambda's remaining time decides. Pages of 200 ms commit 600 ms
    // and keep 600 ms free: another page needs 1,200 ms left.
    const slow = budgetAt(60_000, 1_400);
    slow.page(200);
    expect(slow.budget.allowsAnother()).toBe(true);
    slow.wait(1);
    expect(slow.budget.allowsAnother()).toBe(false);
    // Pages of 50 ms commit 150 ms and keep the 500 ms floor free: 650 ms left is the least.
    const fast = budgetAt(60_000, 700);
    fast.page(50);
    expect(fast.budget.allowsAnother()).toBe(true);
    fast.wait(1);
    expect(fast.budget.allowsAnother()).toBe(false);
  });
});
