/**
 * Finances v0 `listFinancialEvents`, GET /finances/v0/financialEvents: the token comes back in
 * `payload.NextToken` and goes out as `NextToken` with the same arguments; pages may be empty
 * (a token and no events: keep going); tokens are short-lived (Amazon answers 400 InvalidInput
 * "Token is not valid, token duration is N minutes." after it; sellers have seen 25 and 3).
 *
 * Event `i` of `n` is posted at anchor − 60 days + i × (60 days / n), plus jitter under that
 * spacing, oldest first; about one in ten is a refund, the rest shipments.
 */
import { sha256 } from './common';
import {
  boundValues,
  checkWindow,
  differingValues,
  type OperationContext,
  type OperationHandler,
  tokenInteger,
} from './spapi-context';
import { invalidInput, undecodableToken } from './spapi-errors';
import { digitsOf, marketplaceOf } from './spapi-orders-data';
import { SpApiQuery } from './spapi-query';

const WINDOW_MS = 60 * 24 * 3600_000;
const MAX_RANGE_MS = 180 * 24 * 3600_000;
/** The event lists every answer carries, empty or not (FinancialEvents has more; the sandbox has none of them). */
const LISTS = [
  'ShipmentEventList',
  'RefundEventList',
  'GuaranteeClaimEventList',
  'ChargebackEventList',
  'ServiceFeeEventList',
  'AdjustmentEventList',
] as const;

/** An event and the list it belongs in. */
export interface FinancialEvent {
  list: 'ShipmentEventList' | 'RefundEventList';
  event: Record<string, unknown>;
}

const money = (currency: string, cents: number) => ({ CurrencyCode: currency, CurrencyAmount: cents / 100 });

/** Event `index` (0 = oldest): a pure function of its inputs. */
export function synthesizeFinancialEvent(context: OperationContext, index: number): FinancialEvent {
  const { seed, anchorMs, financialEventCount, marketplaceIds } = context;
  const digest = sha256(`${seed}#spapi-finances#${index}`);
  const byte = (i: number): number => digest[i] ?? 0;
  const spacing = WINDOW_MS / financialEventCount;
  const postedMs = Math.floor(
    anchorMs - WINDOW_MS + index * spacing + (digest.readUInt32BE(20) / 2 ** 32) * spacing,
  );
  const marketplace = marketplaceOf(marketplaceIds[byte(8) % marketplaceIds.length] as string);
  const digits = digitsOf(digest, 17);
  const cents = 499 + (((byte(9) << 8) | byte(10)) % 20_000);
  const fee = Math.round(cents * 0.15);
  const common = {
    AmazonOrderId: `${digits.slice(0, 3)}-${digits.slice(3, 10)}-${digits.slice(10)}`,
    SellerOrderId: digitsOf(digest, 12, 12),
    MarketplaceName: marketplace.name,
    PostedDate: new Date(postedMs).toISOString(),
  };
  const sku = `SKU-${String(1 + (byte(11) % 8)).padStart(4, '0')}`;
  const itemId = digitsOf(digest, 14, 4);
  if (byte(12) % 10 === 0) {
    return {
      list: 'RefundEventList',
      event: {
        ...common,
        ShipmentItemAdjustmentList: [
          {
            SellerSKU: sku,
            OrderAdjustmentItemId: itemId,
            QuantityShipped: 1,
            ItemChargeAdjustmentList: [
              { ChargeType: 'Principal', ChargeAmount: money(marketplace.currency, -cents) },
            ],
            ItemFeeAdjustmentList: [{ FeeType: 'Commission', FeeAmount: money(marketplace.currency, fee) }],
          },
        ],
      },
    };
  }
  return {
    list: 'ShipmentEventList',
    event: {
      ...common,
      ShipmentItemList: [
        {
          SellerSKU: sku,
          OrderItemId: itemId,
          QuantityShipped: 1,
          ItemChargeList: [{ ChargeType: 'Principal', ChargeAmount: money(marketplace.currency, cents) }],
          ItemFeeList: [{ FeeType: 'Commission', FeeAmount: money(marketplace.currency, -fee) }],
        },
      ],
    },
  };
}

/** Whether the page starting at `position` comes after an empty one (about one page in four). */
function emptyBefore(context: OperationContext, position: number): boolean {
  return position > 0 && (sha256(`${context.seed}#spapi-finances-gap#${position}`)[0] ?? 0) % 4 === 0;
}

/** Finances v0 `listFinancialEvents`. */
export function listFinancialEvents(context: OperationContext): OperationHandler {
  // The model's sandbox answer for a bad request: message "Input not valid.".
  const invalid = (details: string) => invalidInput('Input not valid.', details);
  const lifetimeMs = context.financesTokenLifetimeSeconds * 1000;
  return (search) => {
    const query = new SpApiQuery(search, invalid);
    const now = context.clock.now();
    const pageSize = query.integer('MaxResultsPerPage', 1, 100, 100);
    const after = query.date('PostedAfter');
    const before = query.date('PostedBefore');
    if (before !== undefined && after === undefined) {
      throw invalid(
        'If you include the PostedBefore parameter in your request, you must also specify the PostedAfter parameter.',
      );
    }
    const bound = boundValues(['PostedAfter', 'PostedBefore'], (name) => query.string(name));
    let position = 0;
    let end: number;
    let gapServed = -1;
    const token = query.string('NextToken');
    if (token !== undefined) {
      const state = context.tokens.decode(token);
      if (state.o !== 'listFinancialEvents') throw undecodableToken();
      if (now - tokenInteger(state, 't', undecodableToken) > lifetimeMs) {
        throw invalidInput(
          `Token is not valid, token duration is ${Number((lifetimeMs / 60_000).toFixed(2))} minutes.`,
        );
      }
      const differ = differingValues(state.q, bound);
      if (differ.length > 0) {
        throw invalid(
          `NextToken must be sent with the same arguments as the call that produced it; these differ: ${differ.join(', ')}`,
        );
      }
      position = tokenInteger(state, 'p', undecodableToken);
      end = tokenInteger(state, 'b', undecodableToken);
      gapServed = typeof state.g === 'number' ? state.g : -1;
    } else {
      end = checkWindow(
        invalid,
        now,
        { name: 'PostedAfter', ms: after },
        { name: 'PostedBefore', ms: before },
      );
      if (after !== undefined && after === end) throw invalid('PostedBefore must be later than PostedAfter.');
    }
    const lists: Record<string, Array<Record<string, unknown>>> = Object.fromEntries(
      LISTS.map((list) => [list, []]),
    );
    const answer = (next?: Record<string, unknown>) => ({
      payload: {
        ...(next
          ? {
              NextToken: context.tokens.encode({
                o: 'listFinancialEvents',
                t: now,
                b: end,
                q: bound,
                ...next,
              }),
            }
          : {}),
        FinancialEvents: lists,
      },
    });
    // Further apart than 180 days: an empty answer, as the model says.
    if (after !== undefined && end - after > MAX_RANGE_MS) return answer();
    const start = after ?? Number.NEGATIVE_INFINITY;
    const spacing = WINDOW_MS / Math.max(1, context.financialEventCount);
    const origin = context.anchorMs - WINDOW_MS;
    const first = Math.max(position, Math.floor((start - origin) / spacing), 0);
    const last = Math.min(context.financialEventCount - 1, Math.floor((end - origin) / spacing));
    if (first <= last && emptyBefore(context, first) && gapServed !== first)
      return answer({ p: first, g: first });
    let served = 0;
    for (let index = first; index <= last; index++) {
      const { list, event } = synthesizeFinancialEvent(context, index);
      const posted = Date.parse(String(event.PostedDate));
      // Posted after (or on) PostedAfter, before (but not on) PostedBefore.
      if (posted < start || posted >= end) continue;
      if (served === pageSize) return answer({ p: index });
      lists[list]?.push(event);
      served++;
    }
    return answer();
  };
}
