/**
 * The clock the SP-API and Login with Amazon sandboxes share: real time plus an offset a test
 * moves forward, so a 24-hour pagination token or a one-hour access token expires in a test at
 * once, and token buckets refill as the moved time says.
 */

/** Time as the sandboxes see it. */
export interface SandboxClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Moves the clock forward by `ms`; never back, so nothing issued later looks older. */
  advance(ms: number): void;
}

/** A clock that starts at real time. */
export function createSandboxClock(): SandboxClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      if (!(Number.isFinite(ms) && ms >= 0))
        throw new RangeError(`advance takes milliseconds >= 0, got ${ms}`);
      offset += ms;
    },
  };
}
