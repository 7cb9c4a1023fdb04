/**
 * Reports 2021-06-30 `getReports`, GET /reports/2021-06-30/reports: `reportTypes` (1 to 10) or
 * `nextToken` required; `pageSize` 1 to 100, default 10; newest first. A continuation carries
 * `nextToken` **as the only parameter**: anything else is 400 InvalidInput "NextToken cannot be
 * specified with other input parameters", `details` naming them (as Amazon lists them:
 * `createdUntil;createdSince;pageSize;...;`). So the token holds the filters itself.
 *
 * Reports are retained 90 days: report `i` of `n` was created `(n - 1 - i) × 6` hours (less
 * some jitter) before the sandbox's anchor, the start of the UTC day before it started.
 */
import { sha256 } from './common';
import { type OperationContext, type OperationHandler, tokenInteger } from './spapi-context';
import { invalidInput, undecodableToken } from './spapi-errors';
import { digitsOf } from './spapi-orders-data';
import { SpApiQuery } from './spapi-query';

const REPORT_INTERVAL_MS = 6 * 3600_000;
const DAY_MS = 24 * 3600_000;

/** Report types the sandbox's reports have (real SP-API report type values). */
export const REPORT_TYPES = [
  'GET_FLAT_FILE_OPEN_LISTINGS_DATA',
  'GET_MERCHANT_LISTINGS_ALL_DATA',
  'GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL',
  'GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE',
  'GET_AFN_INVENTORY_DATA',
  'GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA',
] as const;
const PROCESSING_STATUSES = ['CANCELLED', 'DONE', 'FATAL', 'IN_PROGRESS', 'IN_QUEUE'];
/** The filters a first call may carry, in the model's order (Amazon's details list them backwards). */
const FILTERS = [
  'reportTypes',
  'processingStatuses',
  'marketplaceIds',
  'pageSize',
  'createdSince',
  'createdUntil',
];

/** A report as getReports lists it. */
export interface WireReport {
  reportId: string;
  reportType: string;
  marketplaceIds: string[];
  dataStartTime: string;
  dataEndTime: string;
  createdTime: string;
  processingStatus: string;
  processingStartTime?: string;
  processingEndTime?: string;
  reportDocumentId?: string;
}

/** Report `index` (0 = oldest) of `count`: a pure function of its inputs. */
export function synthesizeReport(context: OperationContext, index: number): WireReport {
  const { seed, anchorMs, reportCount, marketplaceIds } = context;
  const digest = sha256(`${seed}#spapi-reports#${index}`);
  const byte = (i: number): number => digest[i] ?? 0;
  // Jitter under the 6-hour spacing (whole minutes), so creation dates follow the index.
  const createdMs =
    anchorMs - (reportCount - 1 - index) * REPORT_INTERVAL_MS - (((byte(8) << 8) | byte(9)) % 360) * 60_000;
  const newest = reportCount - 1 - index;
  const status =
    newest === 0
      ? 'IN_QUEUE'
      : newest < 3
        ? 'IN_PROGRESS'
        : byte(10) % 25 === 0
          ? 'CANCELLED'
          : byte(10) % 25 === 1
            ? 'FATAL'
            : 'DONE';
  const dayStart = Math.floor(createdMs / DAY_MS) * DAY_MS;
  return {
    reportId: `${1 + (byte(11) % 9)}${digitsOf(digest, 10)}`,
    reportType: REPORT_TYPES[byte(12) % REPORT_TYPES.length] as string,
    marketplaceIds: [marketplaceIds[byte(13) % marketplaceIds.length] as string],
    dataStartTime: new Date(dayStart - 7 * DAY_MS).toISOString(),
    dataEndTime: new Date(dayStart - 1000).toISOString(),
    createdTime: new Date(createdMs).toISOString(),
    processingStatus: status,
    ...(status === 'IN_QUEUE' ? {} : { processingStartTime: new Date(createdMs + 60_000).toISOString() }),
    ...(status === 'IN_QUEUE' || status === 'IN_PROGRESS'
      ? {}
      : { processingEndTime: new Date(createdMs + (5 + (byte(14) % 25)) * 60_000).toISOString() }),
    ...(status === 'DONE'
      ? { reportDocumentId: `amzn1.spdoc.1.4.na.${digest.subarray(16, 32).toString('hex')}` }
      : {}),
  };
}

/** The filters a drain was started with; a continuation's token carries them. */
interface ReportFilter {
  types: string[];
  statuses?: string[];
  markets?: string[];
  since: number;
  until: number;
  pageSize: number;
}

function filterOf(state: Record<string, unknown>): ReportFilter {
  const f = state.f;
  const strings = (value: unknown): value is string[] =>
    Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (typeof f !== 'object' || f === null) throw undecodableToken();
  const { types, statuses, markets, since, until } = f as Record<string, unknown>;
  if (
    !strings(types) ||
    (statuses !== undefined && !strings(statuses)) ||
    (markets !== undefined && !strings(markets))
  ) {
    throw undecodableToken();
  }
  if (typeof since !== 'number' || typeof until !== 'number') throw undecodableToken();
  return { types, statuses, markets, since, until, pageSize: tokenInteger(state, 's', undecodableToken) };
}

/** Reports 2021-06-30 `getReports`. */
export function getReports(context: OperationContext): OperationHandler {
  const invalid = (details: string) => invalidInput('Invalid input', details);
  return (search) => {
    const query = new SpApiQuery(search, invalid);
    const now = context.clock.now();
    let filter: ReportFilter;
    let position: number;
    const token = query.string('nextToken');
    if (token !== undefined) {
      const others = query.given(FILTERS);
      if (others.length > 0) {
        throw invalidInput(
          'NextToken cannot be specified with other input parameters',
          others
            .reverse()
            .map((name) => `${name};`)
            .join(''),
        );
      }
      const state = context.tokens.decode(token);
      if (state.o !== 'getReports') throw undecodableToken();
      filter = filterOf(state);
      position = tokenInteger(state, 'p', undecodableToken);
    } else {
      const types = query.list('reportTypes', { minItems: 1, maxItems: 10 });
      if (types === undefined) throw invalid('Either reportTypes or nextToken is required.');
      const since = query.date('createdSince') ?? now - 90 * DAY_MS;
      const until = query.date('createdUntil') ?? now;
      if (since > until) throw invalid('createdSince must be before createdUntil.');
      filter = {
        types,
        statuses: query.list('processingStatuses', { minItems: 1, allowed: PROCESSING_STATUSES }),
        markets: query.list('marketplaceIds', { minItems: 1, maxItems: 10 }),
        since,
        until,
        pageSize: query.integer('pageSize', 1, 100, 10),
      };
      position = context.reportCount - 1;
    }
    const reports: WireReport[] = [];
    for (let index = Math.min(position, context.reportCount - 1); index >= 0; index--) {
      const report = synthesizeReport(context, index);
      const created = Date.parse(report.createdTime);
      if (created > filter.until) continue;
      // Newest first: once one is older than the window, all the rest are.
      if (created < filter.since) break;
      if (!filter.types.includes(report.reportType)) continue;
      if (filter.statuses && !filter.statuses.includes(report.processingStatus)) continue;
      if (filter.markets && !report.marketplaceIds.some((id) => filter.markets?.includes(id))) continue;
      if (reports.length === filter.pageSize) {
        const { pageSize, ...f } = filter;
        return { reports, nextToken: context.tokens.encode({ o: 'getReports', p: index, s: pageSize, f }) };
      }
      reports.push(report);
    }
    return { reports };
  };
}
