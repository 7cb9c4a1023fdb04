/**
 * `npm run bench:spapi`: a paced drain of an SP-API source on the local engine against the
 * local SP-API, measured against its quota. Prints the wall time from the first call to the
 * last beside the quota's floor, (calls − burst) / rate, the calls answered 429, the state
 * transitions and (estimated) history events per page, and, computed from Amazon's own quota
 * (not measured), what an in-Lambda loop reads before its 15-minute timeout. Not a test.
 */
import '../local/polyfills';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { followRun, LocalStateMachine, loadPagewalkHandlers } from '../local/engine';
import type { SpApiOperation } from '../local/sandbox/spapi-quota';
import { USAGE_PLANS } from '../local/sandbox/spapi-quota';
import { startLocalStack } from '../local/stack';
import { LAMBDA_TIMEOUT_SECONDS, PRICES } from './prices';

const SOURCES: Record<string, { operation: SpApiOperation; params: Record<string, string> }> = {
  'spapi.orders': {
    operation: 'searchOrders',
    params: { createdAfter: '2026-01-01T00:00:00Z', marketplaceIds: 'ATVPDKIKX0DER' },
  },
  'spapi.ordersV0': {
    operation: 'getOrders',
    params: { CreatedAfter: '2026-01-01T00:00:00Z', MarketplaceIds: 'ATVPDKIKX0DER' },
  },
  'spapi.reports': {
    operation: 'getReports',
    params: {
      reportTypes:
        'GET_MERCHANT_LISTINGS_ALL_DATA,GET_FLAT_FILE_OPEN_LISTINGS_DATA,GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL,GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE,GET_AFN_INVENTORY_DATA,GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA',
    },
  },
  'spapi.financialEvents': { operation: 'listFinancialEvents', params: {} },
};

const USAGE = `Usage: npm run bench:spapi -- [options]

  --source NAME         ${Object.keys(SOURCES).join(', ')} (default: spapi.orders)
  --quota-scale N       the local SP-API's quotas are N times Amazon's (default: 100; searchOrders
                        then allows one call per 1.8 s, so every wait is a "Wait for quota" state)
  --page-size N         items per call, 1..100 (default: 40: 69 searchOrders calls, 49 past the burst)
  --latency-ms N        the local SP-API's latency per call (default: 100)
  --help`;

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: 'spapi.orders' },
    'quota-scale': { type: 'string', default: '100' },
    'page-size': { type: 'string', default: '40' },
    'latency-ms': { type: 'string', default: '100' },
    help: { type: 'boolean', default: false },
  },
});
const source = SOURCES[values.source];
const scale = Number(values['quota-scale']);
const pageSize = Number(values['page-size']);
const latencyMs = Number(values['latency-ms']);
if (
  values.help ||
  !source ||
  !(scale > 0) ||
  !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 100) ||
  !(latencyMs >= 0)
) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

const plan = USAGE_PLANS[source.operation];
const rate = plan.rate * scale;
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

const stack = await startLocalStack({
  tableName: `pagewalk-bench-spapi-${randomUUID().slice(0, 8)}`,
  spapi: { quotaScale: scale, latencyMs },
  honourEndpointVariables: false,
});
try {
  const sandbox = stack.spapi;
  if (!sandbox) throw new Error('the local SP-API did not start');
  const expected = sandbox.items(source.operation, source.params).length;
  const machine = new LocalStateMachine({ handlers: await loadPagewalkHandlers() });
  const input = { source: values.source, params: source.params, options: { pageSize } };
  console.log(
    `bench:spapi ${values.source} (${source.operation}), ${fmt(expected, 0)} items, ${pageSize} a page, quota scale ${scale}: burst ${plan.burst}, then ${fmt(rate, 4)} calls/s (Amazon: ${plan.rate}/s); API latency ${latencyMs} ms`,
  );
  const started = Date.now();
  const { segments, last } = await followRun(machine, machine.start(randomUUID(), input));
  const wall = (Date.now() - started) / 1000;
  const output = last.output as
    | { status?: string; pages?: number; items?: number; waits?: number }
    | undefined;
  if (output?.status !== 'succeeded' || output.items !== expected) {
    throw new Error(`the drain did not end with exactly the items: ${JSON.stringify(output ?? last.error)}`);
  }
  const calls = sandbox.stats.requests.filter((r) => r.operation === source.operation);
  const throttled = calls.filter((r) => r.status === 429).length;
  const answered = calls.filter((r) => r.status === 200).length;
  const span = ((calls.at(-1)?.receivedAt ?? 0) - (calls[0]?.receivedAt ?? 0)) / 1000;
  const floor = Math.max(0, answered - plan.burst) / rate;
  const pages = output.pages ?? 0;
  const transitions = segments.reduce((n, s) => n + s.stats.transitions, 0);
  const events = segments.reduce((n, s) => n + s.stats.historyEvents, 0);
  const entries = (state: string) => segments.reduce((n, s) => n + (s.stats.stateEntries[state] ?? 0), 0);
  const quotaWaits = entries('Wait for quota');

  const lines = [
    `  run: succeeded, ${pages} pages, ${fmt(expected, 0)} items, ${segments.length} execution(s), ${fmt(wall)} s from start to end`,
    `  calls: ${answered} answered 200, ${throttled} answered 429 QuotaExceeded (goal 0)`,
    `  first call to last: ${fmt(span, 2)} s; quota floor (calls − burst) / rate = (${answered} − ${plan.burst}) / ${fmt(rate, 4)} = ${fmt(floor, 2)} s; ${floor > 0 ? `${fmt((span / floor - 1) * 100, 1)} % over the floor (goal within 5 %)` : 'within the burst: no floor'}`,
    `  waits: ${output.waits ?? 0} in the run record, ${quotaWaits} "Wait for quota" states`,
    `  per page: ${fmt(transitions / pages, 2)} state transitions, ${fmt(events / pages, 2)} history events (AWS's, estimated by the local engine); states entered: ${['Fetch first page', 'Fetch next page', 'More pages?', 'Wait for quota'].map((state) => `${state} ${entries(state)}`).join(', ')}`,
  ];
  // What an in-Lambda loop reads before Lambda's 15-minute timeout: computed from the quota, not measured.
  const inLambda = (r: number) => Math.min(pages, plan.burst + Math.floor(r * LAMBDA_TIMEOUT_SECONDS));
  const amazonFloor = Math.max(0, pages - plan.burst) / plan.rate;
  lines.push(
    `  an in-Lambda loop at the same quota (computed, not measured): ${inLambda(rate)} of ${pages} pages in ${LAMBDA_TIMEOUT_SECONDS} s here; at Amazon's ${plan.rate}/s, ${plan.burst + Math.floor(plan.rate * LAMBDA_TIMEOUT_SECONDS)} pages (${fmt((plan.burst + Math.floor(plan.rate * LAMBDA_TIMEOUT_SECONDS)) * 100, 0)} items at 100 a page) before its timeout`,
    `  at Amazon's quota these ${pages} calls take at least ${fmt(amazonFloor / 3600, 2)} h; Step Functions: ${fmt(transitions, 0)} transitions = $${(transitions * PRICES.stepFunctionsPerTransition).toFixed(4)}`,
  );
  for (const line of lines) console.log(line);
} finally {
  await stack.close();
}
