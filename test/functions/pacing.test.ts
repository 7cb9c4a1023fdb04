import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../functions/lib/errors';
import { Pacer } from '../../functions/lib/pacer';
import {
  afterRateLimit,
  afterThrottle,
  expiresBefore,
  initialPacing,
  msUntilCall,
  type Pacing,
  parsePacing,
  refill,
  safetyMarginMs,
  takeCall,
  waitSecondsFor,
} from '../../functions/lib/pacing';
import type { RunConfig } from '../../functions/lib/run-config';
import { DEFAULT_OPTIONS } from '../support/fixtures';

const T0 = new Date('2026-12-07T12:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
/** searchOrders' usage plan: one call per 180 seconds, 20 at once. */
const searchOrders = () => initialPacing({ rate: 1 / 180, burst: 20 }, T0);

/** Spends the bucket call by call, each as soon as it allows, and says when each call went. */
function drain(pacing: Pacing, calls: number): number[] {
  const times: number[] = [];
  let p = pacing;
  let now = Date.parse(pacing.at);
  for (let i = 0; i < calls; i++) {
    now += msUntilCall(p, new Date(now));
    p = takeCall(p, new Date(now));
    times.push((now - T0.getTime()) / 1000);
  }
  return times;
}

describe('the token bucket', () => {
  it('allows the burst at once, then one call per 1/rate seconds, all shifted by one safety margin', () => {
    const times = drain(searchOrders(), 23);

    expect(times.slice(0, 20)).toEqual(Array(20).fill(0));
    // The margin (1% of 180 s, at most a second) is paid once: the bucket counts on from the real time.
    expect(safetyMarginMs(1 / 180)).toBe(1000);
    expect(times.slice(20)).toEqual([181, 361, 541]);
  });

  it('keeps a margin of at least 50 ms, for the jitter of a request on its way', () => {
    expect(safetyMarginMs(0.8)).toBe(50);
    expect(safetyMarginMs(0.0222)).toBeCloseTo(450.45);
  });

  it('takes (calls - burst) / rate for a drain, the quota floor', () => {
    const times = drain(initialPacing({ rate: 0.0222, burst: 10 }, T0), 110);

    expect(times.at(-1)).toBeCloseTo(100 / 0.0222 + 0.45, 0);
  });

  it('refills at the rate while the run waits, never above the burst', () => {
    const empty = { ...searchOrders(), tokens: 0 };

    expect(refill(empty, at(90)).tokens).toBeCloseTo(0.5);
    expect(refill(empty, at(180 * 50)).tokens).toBe(20);
    expect(msUntilCall(empty, at(90))).toBe(90_000 + 1000);
    expect(msUntilCall(empty, at(180))).toBe(1000);
    expect(msUntilCall(empty, at(181))).toBe(0);
  });

  it('clears the time of the next call once a call is made', () => {
    const waiting = { ...searchOrders(), nextCallAt: at(10).toISOString() };

    expect(takeCall(waiting, T0)).toMatchObject({ tokens: 19, nextCallAt: null });
  });
});

describe('what the API says about its quota', () => {
  it('takes the rate a response header names, in place of the usage plan', () => {
    expect(afterRateLimit(searchOrders(), 0.5).rate).toBe(0.5);
  });

  it('ignores a header that is missing, zero or not a number', () => {
    const pacing = searchOrders();

    for (const value of [undefined, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(afterRateLimit(pacing, value)).toBe(pacing);
    }
  });

  it('empties the bucket and lowers the rate on a quota answer', () => {
    const throttled = afterThrottle(initialPacing({ rate: 0.5, burst: 30 }, T0), at(3));

    expect(throttled).toMatchObject({ tokens: 0, rate: 0.4, throttles: 1, at: at(3).toISOString() });
    expect(msUntilCall(throttled, at(3))).toBe(2500 + 50);
  });

  it('converges after a throttle: a header that is higher than the lowered rate is not taken back', () => {
    let pacing = initialPacing({ rate: 0.5, burst: 30 }, T0);
    pacing = afterRateLimit(pacing, 0.5);
    pacing = afterThrottle(pacing, T0);
    pacing = afterRateLimit(pacing, 0.5);

    expect(pacing.rate).toBe(0.4);
    expect(afterRateLimit(pacing, 0.1).rate).toBe(0.1);
  });

  it('never lowers the rate below one call a day, however many throttles come', () => {
    let pacing = initialPacing({ rate: 1, burst: 1 }, T0);
    for (let i = 0; i < 200; i++) pacing = afterThrottle(pacing, T0);

    expect(pacing.rate).toBeCloseTo(1 / 86_400);
    expect(msUntilCall(pacing, T0)).toBe(86_400_000 + 1000);
  });
});

describe('splitting a wait between the state machine and the function', () => {
  it.each([
    [0, 0],
    [400, 0],
    [1000, 0],
    [1001, 1],
    [2500, 2],
    [179_999, 179],
  ])('a wait of %i ms is %i whole seconds of "Wait for quota", the rest slept by the function', (ms, s) => {
    expect(waitSecondsFor(ms)).toBe(s);
  });
});

describe('a token with a lifetime', () => {
  it('is dead for a call that would come after it expires, with a margin for the call itself', () => {
    const pacing = { ...searchOrders(), tokenExpiresAt: at(60).toISOString() };

    expect(expiresBefore(pacing, T0, 50_000)).toBe(false);
    expect(expiresBefore(pacing, T0, 56_000)).toBe(true);
    expect(expiresBefore({ ...pacing, tokenExpiresAt: null }, T0, 10 ** 9)).toBe(false);
  });
});

describe('a bucket typed into a continue input', () => {
  const fail = (field: string, allowed: string): never => {
    throw new InvalidInput(`continue.cursor.${field} must be ${allowed}`);
  };

  it('is read back as written', () => {
    const pacing = { ...searchOrders(), nextCallAt: at(180).toISOString() };

    expect(parsePacing(JSON.parse(JSON.stringify(pacing)), fail)).toEqual(pacing);
    expect(parsePacing(null, fail)).toBeNull();
    expect(parsePacing(undefined, fail)).toBeNull();
  });

  it.each([
    [{ rate: 0 }, 'continue.cursor.pacing.rate must be a number > 0'],
    [{ tokens: -1 }, 'continue.cursor.pacing.tokens must be a number ≥ 0'],
    [{ at: 'yesterday' }, 'continue.cursor.pacing.at must be an ISO-8601 time'],
    [{ throttles: 1.5 }, 'continue.cursor.pacing.throttles must be a whole number ≥ 0'],
    [{ nextCallAt: 7 }, 'continue.cursor.pacing.nextCallAt must be an ISO-8601 time or null'],
  ])('refuses %j, naming the field', (change, message) => {
    expect(() => parsePacing({ ...searchOrders(), ...change }, fail)).toThrow(message);
  });
});

describe('a call charged to a full bucket', () => {
  const run: RunConfig = {
    runId: 'r',
    source: 'spapi.orders',
    params: {},
    collection: 'spapi.orders',
    options: DEFAULT_OPTIONS,
    segment: 1,
    nextExecutionName: 'r-s2',
    since: { fetches: 0, written: 0, restarts: 0 },
  };

  it('counts the refill from its answer: a full bucket at the API starts refilling only when the request arrives', () => {
    let now = T0;
    const pacer = new Pacer(initialPacing({ rate: 1, burst: 2 }, T0), {}, run, () => now);
    pacer.take();
    // The first call of a run also fetched its access token: it arrived, and was answered, late.
    now = at(0.5);
    pacer.answered({ nextToken: 'n', rateLimit: 1 }, T0);
    pacer.take();
    // One token was left at the answer; the second call spent it, and the next refills from 0.5 s.
    expect(pacer.msUntilCall()).toBe(1000 + safetyMarginMs(1));
  });

  it('keeps counting from the call when the bucket was not full: both buckets are refilling then', () => {
    let now = T0;
    const pacer = new Pacer(initialPacing({ rate: 1, burst: 2 }, T0), {}, run, () => now);
    pacer.take();
    now = at(0.1);
    pacer.answered({ nextToken: 'n' }, T0);
    pacer.take();
    now = at(0.6);
    pacer.answered({ nextToken: 'n' }, at(0.1));
    // The second call left none at 0.1 s: the next is due a second after that call, not after its answer.
    expect(pacer.msUntilCall()).toBe(500 + safetyMarginMs(1));
  });
});
