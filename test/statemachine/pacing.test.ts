/**
 * Pacing on the local engine: the ASL's "Wait for quota" states against a loopback API with a
 * token bucket of its own, on the real clock (so each case takes a few seconds of waiting).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PacedApi } from '../support/paced-api';
import { PACED_ENDPOINT_VARIABLE, PACED_PLAN, writePacedDefinitions } from '../support/paced-definitions';
import { type Scenario, startScenario } from '../support/scenario';

process.env.SOURCE_DEFINITIONS_DIR = writePacedDefinitions();

let scenario: Scenario;
let closeApi: (() => Promise<void>) | undefined;
let n = 0;

beforeAll(async () => {
  scenario = await startScenario();
});
afterAll(() => scenario?.close());
afterEach(async () => {
  await closeApi?.();
  closeApi = undefined;
});

/** Serves `api` on loopback where the definitions' endpoint variable points. */
async function serve(api: PacedApi): Promise<PacedApi> {
  const { url, close } = await api.listen();
  process.env[PACED_ENDPOINT_VARIABLE] = url;
  closeApi = close;
  return api;
}

const drain = (source: string, options: Record<string, unknown> = {}) => {
  n += 1;
  return { source, params: { stream: `s${n}` }, options: { pageSize: 5, ...options } };
};

describe('a source with a usage plan', () => {
  it('drains more calls than its burst without a 429, no faster than the quota allows', async () => {
    // 0.8 calls/s: 1.25 s apart once the burst of 3 is spent, "Wait for quota" waiting the whole second.
    const api = await serve(
      new PacedApi({ pages: 5, perPage: 4, quota: { rate: 0.8, burst: 3 }, reportedRate: 0.8 }),
    );
    const input = drain('test.paced');
    const started = Date.now();
    const result = await scenario.execute(input);

    expect(result.output).toMatchObject({ status: 'succeeded', pages: 5, items: 20 });
    expect(api.throttled).toBe(0);
    // (calls - burst) / rate: the quota's floor, from the start to the last call.
    const span = (api.calls.at(-1)?.at ?? 0) - started;
    expect(span).toBeGreaterThanOrEqual(((5 - PACED_PLAN.burst) / 0.8) * 1000);
    // Two waits, unless the machine is so loaded that a call came late enough to need none.
    const waits = (result.output as { waits: number }).waits;
    expect(waits).toBeGreaterThanOrEqual(1);
    expect(result.stats.stateEntries['Wait for quota']).toBe(waits);
    expect(result.stats.retries).toBe(0);
    expect(await scenario.storedKeys(`test.paced#${input.params.stream}`)).toEqual(api.ids());
  });

  it('waits for quota after a 429 instead of retrying, and converges below the API real rate', async () => {
    // The API allows 2 at once, not the 3 the plan says: the third call is answered 429.
    const api = await serve(
      new PacedApi({ pages: 3, perPage: 4, quota: { rate: 0.9, burst: 2 }, reportedRate: 0.9 }),
    );
    const input = drain('test.paced');
    const result = await scenario.execute(input);

    expect(result.output).toMatchObject({ status: 'succeeded', pages: 3, items: 12, waits: 1 });
    expect(api.throttled).toBe(1);
    expect(result.stats.retries).toBe(0);
    expect(result.stats.stateEntries['Wait for quota']).toBe(1);
    const record = await scenario.runRecord(result.name);
    expect(record?.checkpoint.pacing?.throttles).toBe(1);
    expect(record?.checkpoint.pacing?.rate).toBeCloseTo(0.72);
    expect(await scenario.storedKeys(`test.paced#${input.params.stream}`)).toEqual(api.ids());
  });

  it('waits for quota before the origin call of a restart, then reads the new pass without duplicates', async () => {
    const api = await serve(new PacedApi({ pages: 2, perPage: 4, reportedRate: 1 }));
    const original = api.answer.bind(api);
    let k = 0;
    // Page 2's token is refused, and the restart's origin call is answered 429.
    vi.spyOn(api, 'answer').mockImplementation((url) => {
      k += 1;
      if (k === 2) url.searchParams.set('token', 'garbled');
      if (k === 3) api.throttleNext = 1;
      return original(url);
    });
    const input = drain('test.paced');
    const result = await scenario.execute(input);

    expect(result.output).toMatchObject({ status: 'succeeded', pages: 2, items: 8, restarts: 1 });
    expect(result.stats.stateEntries['Restart from first page']).toBe(1);
    expect(result.stats.stateEntries['Wait for quota to restart']).toBe(1);
    expect(result.stats.stateEntries['Fetch first page']).toBe(2);
    expect(await scenario.storedKeys(`test.paced#${input.params.stream}`)).toEqual(api.ids());
  });
});

describe('a source that answers the end of its items with the token it was sent', () => {
  it('polls with that token until maxPolls and ends caught up, not as a pagination loop', async () => {
    const api = await serve(new PacedApi({ pages: 3, perPage: 4, repeatAtEnd: true }));
    const input = drain('test.logStream', { pollIntervalSeconds: 0, maxPolls: 2 });
    const result = await scenario.execute(input);

    expect(result.output).toMatchObject({ status: 'caughtUp', items: 12, polls: 2, nextToken: 'p4' });
    expect(result.stats.stateEntries['Wait for more results']).toBe(2);
    expect(api.calls.map((c) => c.token)).toEqual([null, 'p2', 'p3', 'p4', 'p4', 'p4']);
    expect(await scenario.storedKeys(`test.logStream#${input.params.stream}`)).toEqual(api.ids());
  });
});
