/**
 * The sandbox's two Orders operations over one set of orders:
 *
 * - Orders v2026-01-01 `searchOrders`, GET /orders/2026-01-01/orders: exactly one of
 *   `createdAfter` / `lastUpdatedAfter`; the next page comes back as `pagination.nextToken`
 *   and goes out as `paginationToken` with every other parameter resent with the same values
 *   (except `maxResultsPerPage` and `includedData`); tokens expire after 24 hours.
 * - Orders v0 `getOrders`, GET /orders/v0/orders: `MarketplaceIds` required, `CreatedAfter`
 *   or `LastUpdatedAfter`; the token comes back in `payload.NextToken` and goes out as
 *   `NextToken` with the original filters resent (the token alone is a 400).
 *
 * Orders are walked in (index, marketplace) order; a token holds the next position.
 */
import {
  boundValues,
  checkWindow,
  differingValues,
  type OperationContext,
  type OperationHandler,
  tokenInteger,
} from './spapi-context';
import { invalidInput, type SpApiError, undecodableToken } from './spapi-errors';
import {
  type BaseOrder,
  FULFILLMENT_STATUSES,
  type FulfillmentStatus,
  getOrdersView,
  isoSeconds,
  ORDER_INTERVAL_MS,
  ORDERS_START_MS,
  searchOrdersView,
  synthesizeOrder,
} from './spapi-orders-data';
import { SpApiQuery } from './spapi-query';

/** searchOrders' tokens expire after 24 hours (the model's `Pagination` description). */
export const SEARCH_ORDERS_TOKEN_LIFETIME_MS = 24 * 3600_000;

const HOUR_MS = 3600_000;

/** Which orders a call asks for; times are epoch milliseconds, both ends inclusive. */
interface OrderFilter {
  readonly marketplaceIds: readonly string[];
  readonly dates: 'created' | 'lastUpdated';
  readonly after: number;
  readonly before: number;
  readonly matches: (order: BaseOrder) => boolean;
}

/** Up to `pageSize` matching orders from `position`, and the position after them when more match. */
function pageOfOrders(
  context: OperationContext,
  filter: OrderFilter,
  position: number,
  pageSize: number,
): { orders: BaseOrder[]; next?: number } {
  const width = filter.marketplaceIds.length;
  // Only indexes whose dates can fall inside the window are read: creation follows the index
  // (less than an hour of jitter) and an update comes 1 to 72 hours after creation.
  const slack = filter.dates === 'created' ? [HOUR_MS, 0] : [73 * HOUR_MS, HOUR_MS];
  const first = Math.max(0, Math.floor((filter.after - slack[0]! - ORDERS_START_MS) / ORDER_INTERVAL_MS));
  const last = Math.min(
    context.ordersPerMarketplace - 1,
    Math.floor((filter.before - slack[1]! - ORDERS_START_MS) / ORDER_INTERVAL_MS),
  );
  const orders: BaseOrder[] = [];
  for (let at = Math.max(position, first * width); at <= last * width + width - 1; at++) {
    const order = synthesizeOrder(context.seed, filter.marketplaceIds[at % width]!, Math.floor(at / width));
    const time = filter.dates === 'created' ? order.createdMs : order.lastUpdatedMs;
    if (time < filter.after || time > filter.before || !filter.matches(order)) continue;
    // A full page answers with a token only when another order matches: none on the last page.
    if (orders.length === pageSize) return { orders, next: at };
    orders.push(order);
  }
  return { orders };
}

/** The marketplace ids a call names, each one the seller's. */
function sellerMarketplaces(
  context: OperationContext,
  given: string[] | undefined,
  name: string,
  invalid: (details: string) => SpApiError,
): readonly string[] {
  if (given === undefined) return context.marketplaceIds;
  const unknown = given.filter((id) => !context.marketplaceIds.includes(id));
  if (unknown.length > 0) {
    throw invalid(
      `${name} has ${unknown.join(', ')}, not a marketplace of this seller (${context.marketplaceIds.join(', ')})`,
    );
  }
  return [...new Set(given)];
}

/** Reads a continuation token: its position, the parameters it was issued for, when, and its window end. */
function openToken(context: OperationContext, token: string, operation: string) {
  const state = context.tokens.decode(token);
  if (state.o !== operation) throw undecodableToken();
  return {
    position: tokenInteger(state, 'p', undecodableToken),
    issuedAt: tokenInteger(state, 't', undecodableToken),
    before: tokenInteger(state, 'b', undecodableToken),
    bound: state.q,
  };
}

/** Which dates a call filters on (creation or last update), as its four parameters named them. */
interface DateChoice {
  readonly dates: 'created' | 'lastUpdated';
  readonly after: { readonly name: string; readonly ms: number };
  readonly before: { readonly name: string; readonly ms: number | undefined };
}

/** The dates a call chose, once its rules have made sure exactly one `*After` is set. */
function chooseDates(
  names: readonly [
    createdAfter: string,
    createdBefore: string,
    lastUpdatedAfter: string,
    lastUpdatedBefore: string,
  ],
  values: readonly [number | undefined, number | undefined, number | undefined, number | undefined],
): DateChoice {
  const byCreation = values[0] !== undefined;
  const at = byCreation ? 0 : 2;
  return {
    dates: byCreation ? 'created' : 'lastUpdated',
    after: { name: names[at]!, ms: values[at] as number },
    before: { name: names[at + 1]!, ms: values[at + 1] },
  };
}

const SEARCH_ORDERS_BOUND = [
  'createdAfter',
  'createdBefore',
  'lastUpdatedAfter',
  'lastUpdatedBefore',
  'fulfillmentStatuses',
  'marketplaceIds',
  'fulfilledBy',
];
const INCLUDED_DATA = [
  'BUYER',
  'RECIPIENT',
  'PROCEEDS',
  'EXPENSE',
  'PROMOTION',
  'CANCELLATION',
  'FULFILLMENT',
  'PACKAGES',
  'TAX',
  'PAYMENT',
  'FULFILLMENT_ORDERS',
];

/** Orders v2026-01-01 `searchOrders`. */
export function searchOrders(context: OperationContext): OperationHandler {
  // The model's sandbox answer for a bad request: message "Invalid Input".
  const invalid = (details: string) => invalidInput('Invalid Input', details);
  return (search) => {
    const query = new SpApiQuery(search, invalid);
    const now = context.clock.now();
    const createdAfter = query.date('createdAfter');
    const createdBefore = query.date('createdBefore');
    const lastUpdatedAfter = query.date('lastUpdatedAfter');
    const lastUpdatedBefore = query.date('lastUpdatedBefore');
    if ((createdAfter === undefined) === (lastUpdatedAfter === undefined)) {
      throw invalid('You must provide exactly one of createdAfter and lastUpdatedAfter.');
    }
    if (createdAfter !== undefined && lastUpdatedBefore !== undefined) {
      throw invalid(
        'If createdAfter is provided, neither lastUpdatedAfter nor lastUpdatedBefore may be provided.',
      );
    }
    if (lastUpdatedAfter !== undefined && createdBefore !== undefined) {
      throw invalid(
        'If lastUpdatedAfter is provided, neither createdAfter nor createdBefore may be provided.',
      );
    }
    const choice = chooseDates(
      ['createdAfter', 'createdBefore', 'lastUpdatedAfter', 'lastUpdatedBefore'],
      [createdAfter, createdBefore, lastUpdatedAfter, lastUpdatedBefore],
    );
    const marketplaceIds = sellerMarketplaces(
      context,
      query.list('marketplaceIds', { maxItems: 50 }),
      'marketplaceIds',
      invalid,
    );
    const statuses = query.list('fulfillmentStatuses', { allowed: Object.keys(FULFILLMENT_STATUSES) });
    const fulfilledBy = query.list('fulfilledBy', { allowed: ['MERCHANT', 'AMAZON'] });
    const pageSize = query.integer('maxResultsPerPage', 1, 100, 100);
    const includedData = new Set(query.list('includedData', { allowed: INCLUDED_DATA }) ?? []);
    const bound = boundValues(SEARCH_ORDERS_BOUND, (name) => query.string(name));

    let position = 0;
    let issuedAt = now;
    let before: number;
    const token = query.string('paginationToken');
    if (token !== undefined) {
      const opened = openToken(context, token, 'searchOrders');
      if (now - opened.issuedAt > SEARCH_ORDERS_TOKEN_LIFETIME_MS) {
        throw invalid('The paginationToken has expired: pagination tokens are valid for 24 hours.');
      }
      const differ = differingValues(opened.bound, bound);
      if (differ.length > 0) {
        throw invalid(
          `paginationToken must be sent with the same values of every other parameter as the request that returned it (except maxResultsPerPage and includedData); these differ: ${differ.join(', ')}`,
        );
      }
      ({ position, issuedAt, before } = opened);
    } else {
      before = checkWindow(invalid, now, choice.after, choice.before);
    }
    const matches = (order: BaseOrder) =>
      (statuses === undefined || statuses.includes(order.status)) &&
      (fulfilledBy === undefined || fulfilledBy.includes(order.fulfilledBy));
    const filter = { marketplaceIds, dates: choice.dates, after: choice.after.ms, before, matches };
    const page = pageOfOrders(context, filter, position, pageSize);
    return {
      orders: page.orders.map((order) => searchOrdersView(order, includedData)),
      ...(page.next === undefined
        ? {}
        : {
            pagination: {
              // The 24 hours run from the origin call: every token of a drain carries its time.
              nextToken: context.tokens.encode({
                o: 'searchOrders',
                p: page.next,
                t: issuedAt,
                b: before,
                q: bound,
              }),
            },
          }),
      [choice.before.name]: isoSeconds(before),
    };
  };
}

const GET_ORDERS_BOUND = [
  'CreatedAfter',
  'CreatedBefore',
  'LastUpdatedAfter',
  'LastUpdatedBefore',
  'OrderStatuses',
  'MarketplaceIds',
  'FulfillmentChannels',
  'PaymentMethods',
  'AmazonOrderIds',
];
/** getOrders filters the sandbox's data has nothing to match against: refused, not silently ignored. */
const GET_ORDERS_UNSUPPORTED = [
  'BuyerEmail',
  'SellerOrderId',
  'EasyShipShipmentStatuses',
  'ElectronicInvoiceStatuses',
  'ActualFulfillmentSupplySourceId',
  'IsISPU',
  'StoreChainStoreId',
  'EarliestDeliveryDateBefore',
  'EarliestDeliveryDateAfter',
  'LatestDeliveryDateBefore',
  'LatestDeliveryDateAfter',
];

/** Orders v0 `getOrders`. */
export function getOrders(context: OperationContext): OperationHandler {
  // What Orders v0 answers for any bad request; `details` says which.
  const invalid = (details: string) =>
    invalidInput(
      'The input you have submitted is not valid. Please check your input and try again.',
      details,
    );
  return (search) => {
    const query = new SpApiQuery(search, invalid);
    const now = context.clock.now();
    const unsupported = query.given(GET_ORDERS_UNSUPPORTED);
    if (unsupported.length > 0) {
      throw invalid(`The local SP-API sandbox does not filter by ${unsupported.join(', ')}.`);
    }
    const given = query.list('MarketplaceIds', { maxItems: 50 });
    if (given === undefined) throw invalid('MarketplaceIds is required.');
    const marketplaceIds = sellerMarketplaces(context, given, 'MarketplaceIds', invalid);
    const createdAfter = query.date('CreatedAfter');
    const createdBefore = query.date('CreatedBefore');
    const lastUpdatedAfter = query.date('LastUpdatedAfter');
    const lastUpdatedBefore = query.date('LastUpdatedBefore');
    if (createdAfter === undefined && lastUpdatedAfter === undefined) {
      throw invalid(
        'Either the CreatedAfter parameter or the LastUpdatedAfter parameter is required. Both cannot be empty.',
      );
    }
    if (createdAfter !== undefined && (lastUpdatedAfter !== undefined || lastUpdatedBefore !== undefined)) {
      throw invalid('LastUpdatedAfter and LastUpdatedBefore cannot be set when CreatedAfter is set.');
    }
    if (lastUpdatedAfter !== undefined && createdBefore !== undefined) {
      throw invalid('CreatedAfter or CreatedBefore cannot be set when LastUpdatedAfter is set.');
    }
    const choice = chooseDates(
      ['CreatedAfter', 'CreatedBefore', 'LastUpdatedAfter', 'LastUpdatedBefore'],
      [createdAfter, createdBefore, lastUpdatedAfter, lastUpdatedBefore],
    );
    const statuses = query.list('OrderStatuses', { allowed: Object.values(FULFILLMENT_STATUSES) });
    const channels = query.list('FulfillmentChannels', { allowed: ['AFN', 'MFN'] });
    const payments = query.list('PaymentMethods', { allowed: ['COD', 'CVS', 'Other'] });
    const orderIds = query.list('AmazonOrderIds', { maxItems: 50 });
    const pageSize = query.integer('MaxResultsPerPage', 1, 100, 100);
    const bound = boundValues(GET_ORDERS_BOUND, (name) => query.string(name));

    let position = 0;
    let before: number;
    const token = query.string('NextToken');
    if (token !== undefined) {
      const opened = openToken(context, token, 'getOrders');
      const differ = differingValues(opened.bound, bound);
      if (differ.length > 0) {
        throw invalid(
          `NextToken was issued for other values of ${differ.join(', ')}: resend the original filters.`,
        );
      }
      ({ position, before } = opened);
    } else {
      before = checkWindow(invalid, now, choice.after, choice.before);
    }
    const matches = (order: BaseOrder) =>
      (statuses === undefined ||
        statuses.includes(FULFILLMENT_STATUSES[order.status as FulfillmentStatus])) &&
      (channels === undefined || channels.includes(order.fulfilledBy === 'AMAZON' ? 'AFN' : 'MFN')) &&
      (payments === undefined || payments.includes('Other')) &&
      (orderIds === undefined || orderIds.includes(order.orderId));
    const filter = { marketplaceIds, dates: choice.dates, after: choice.after.ms, before, matches };
    const page = pageOfOrders(context, filter, position, pageSize);
    return {
      payload: {
        Orders: page.orders.map(getOrdersView),
        ...(page.next === undefined
          ? {}
          : {
              NextToken: context.tokens.encode({ o: 'getOrders', p: page.next, t: now, b: before, q: bound }),
            }),
        [choice.before.name]: isoSeconds(before),
      },
    };
  };
}
