/**
 * The SP-API sandbox's orders: one sequence per marketplace, synthesised from a seed and the
 * order's index (deterministic, so any page is served without storing it), and shown two ways:
 * as Orders v2026-01-01 `searchOrders` returns an `Order`, and as Orders v0 `getOrders` does.
 * Order `i` of a marketplace is created at 2025-12-01T00:00:00Z + i hours (plus less than an
 * hour of jitter), so creation dates follow the index.
 */
import { sha256 } from './common';

/** Creation time of order 0 of every marketplace: 2025-12-01T00:00:00Z. */
export const ORDERS_START_MS = Date.UTC(2025, 11, 1);
/** Spacing of consecutive orders of one marketplace. */
export const ORDER_INTERVAL_MS = 3600_000;

/** What the sandbox knows of a marketplace. */
export interface SpApiMarketplace {
  readonly name: string;
  readonly currency: string;
  readonly countryCode: string;
}

/** Marketplaces of all three regions; an id not listed here is served as if it were the US one. */
export const SPAPI_MARKETPLACES: Readonly<Record<string, SpApiMarketplace>> = Object.freeze({
  ATVPDKIKX0DER: { name: 'Amazon.com', currency: 'USD', countryCode: 'US' },
  A2EUQ1WTGCTBG2: { name: 'Amazon.ca', currency: 'CAD', countryCode: 'CA' },
  A1AM78C64UM0Y8: { name: 'Amazon.com.mx', currency: 'MXN', countryCode: 'MX' },
  A1F83G8C2ARO7P: { name: 'Amazon.co.uk', currency: 'GBP', countryCode: 'GB' },
  A1PA6795UKMFR9: { name: 'Amazon.de', currency: 'EUR', countryCode: 'DE' },
  A1VC38T7YXB528: { name: 'Amazon.co.jp', currency: 'JPY', countryCode: 'JP' },
});

/** Orders v2026-01-01 `FulfillmentStatus` values, and the v0 `OrderStatus` each one is. */
export const FULFILLMENT_STATUSES = {
  PENDING_AVAILABILITY: 'PendingAvailability',
  PENDING: 'Pending',
  UNSHIPPED: 'Unshipped',
  PARTIALLY_SHIPPED: 'PartiallyShipped',
  SHIPPED: 'Shipped',
  CANCELLED: 'Canceled',
  UNFULFILLABLE: 'Unfulfillable',
} as const;
export type FulfillmentStatus = keyof typeof FULFILLMENT_STATUSES;

// Weighted: most orders have shipped.
const STATUSES: readonly FulfillmentStatus[] = [
  'SHIPPED',
  'SHIPPED',
  'SHIPPED',
  'SHIPPED',
  'UNSHIPPED',
  'PARTIALLY_SHIPPED',
  'PENDING',
  'CANCELLED',
];
const SERVICE_LEVELS = ['STANDARD', 'EXPEDITED', 'SECOND_DAY', 'NEXT_DAY'] as const;
const V0_SERVICE_LEVELS: Record<string, string> = {
  STANDARD: 'Std US D2D Dom',
  EXPEDITED: 'Expedited',
  SECOND_DAY: 'SecondDay',
  NEXT_DAY: 'NextDay',
};
const PRODUCTS = [
  'Stainless Steel Water Bottle, 750 ml',
  'USB-C Charging Cable, 2 m',
  'Cotton Tote Bag',
  'Ceramic Pour-Over Coffee Dripper',
  'Wireless Mouse',
  'Paperback Notebook, A5, Dotted',
  'LED Desk Lamp',
  'Yoga Mat, 6 mm',
] as const;
const BUYERS = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Barbara Liskov',
  'Radia Perlman',
  'Ken Thompson',
];

/** One order, before it is shown in either API's shape. */
export interface BaseOrder {
  readonly marketplaceId: string;
  readonly orderId: string;
  readonly createdMs: number;
  readonly lastUpdatedMs: number;
  readonly status: FulfillmentStatus;
  readonly fulfilledBy: 'AMAZON' | 'MERCHANT';
  readonly serviceLevel: (typeof SERVICE_LEVELS)[number];
  readonly prime: boolean;
  readonly business: boolean;
  readonly buyerName: string;
  readonly items: ReadonlyArray<{
    orderItemId: string;
    asin: string;
    sellerSku: string;
    title: string;
    quantity: number;
    unitCents: number;
  }>;
}

/** `width` decimal digits from the first 8 bytes of a digest. */
export function digitsOf(digest: Buffer, width: number, at = 0): string {
  return (digest.readBigUInt64BE(at) % 10n ** BigInt(width)).toString().padStart(width, '0');
}

/** ISO 8601 without milliseconds, as the Orders APIs write timestamps. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The marketplace's facts, the US ones for an id the table does not know. */
export function marketplaceOf(marketplaceId: string): SpApiMarketplace {
  return SPAPI_MARKETPLACES[marketplaceId] ?? (SPAPI_MARKETPLACES.ATVPDKIKX0DER as SpApiMarketplace);
}

const pick = <T>(list: readonly T[], byte: number | undefined): T => list[(byte ?? 0) % list.length] as T;

/** Order `index` (0 = oldest) of `marketplaceId`: a pure function of its inputs. */
export function synthesizeOrder(seed: string, marketplaceId: string, index: number): BaseOrder {
  const id = sha256(`${seed}#spapi-orders#${marketplaceId}#${index}`);
  const attrs = sha256(`${seed}#spapi-orders#${marketplaceId}#${index}#attributes`);
  const byte = (i: number): number => attrs[i] ?? 0;
  // 3-7-7 digits, as real order ids; the 16 hashed digits make collisions negligible.
  const digits = `${1 + (byte(20) % 9)}${digitsOf(id, 2, 8)}${digitsOf(id, 14)}`;
  // Whole seconds inside the hour, so creation dates never overtake the next order's.
  const createdMs = ORDERS_START_MS + index * ORDER_INTERVAL_MS + (((byte(0) << 8) | byte(1)) % 3600) * 1000;
  const items = Array.from({ length: 1 + (byte(2) % 3) }, (_, n) => {
    const product = (byte(3 + n) % PRODUCTS.length) as number;
    return {
      orderItemId: digitsOf(sha256(`${seed}#spapi-items#${marketplaceId}#${index}#${n}`), 14),
      asin: `B0${sha256(`${seed}#asin#${product}`).toString('hex').slice(0, 8).toUpperCase()}`,
      sellerSku: `SKU-${String(product + 1).padStart(4, '0')}`,
      title: PRODUCTS[product] as string,
      quantity: 1 + (byte(6 + n) % 3),
      unitCents: 499 + ((byte(9 + n) << 4) % 9500),
    };
  });
  return {
    marketplaceId,
    orderId: `${digits.slice(0, 3)}-${digits.slice(3, 10)}-${digits.slice(10, 17)}`,
    createdMs,
    lastUpdatedMs: createdMs + (1 + (byte(12) % 72)) * 3600_000,
    status: pick(STATUSES, byte(13)),
    fulfilledBy: byte(14) % 3 === 0 ? 'MERCHANT' : 'AMAZON',
    serviceLevel: pick(SERVICE_LEVELS, byte(15)),
    prime: byte(16) % 2 === 0,
    business: byte(17) % 10 === 0,
    buyerName: pick(BUYERS, byte(18)),
    items,
  };
}

/** An amount as the Orders APIs write one: a decimal string, whole units in yen. */
function amountOf(cents: number, currency: string): string {
  return currency === 'JPY' ? String(cents) : (cents / 100).toFixed(2);
}

function totalCents(order: BaseOrder): number {
  if (order.status === 'CANCELLED') return 0;
  return order.items.reduce((sum, item) => sum + item.quantity * item.unitCents, 0);
}

/**
 * The order as Orders v2026-01-01 returns it: the always-present fields, plus the datasets
 * `includedData` asks for (BUYER, PROCEEDS, FULFILLMENT; the sandbox has no others to show).
 */
export function searchOrdersView(
  order: BaseOrder,
  includedData: ReadonlySet<string>,
): Record<string, unknown> {
  const market = marketplaceOf(order.marketplaceId);
  const programs = [...(order.prime ? ['PRIME'] : []), ...(order.business ? ['AMAZON_BUSINESS'] : [])];
  return {
    orderId: order.orderId,
    createdTime: isoSeconds(order.createdMs),
    lastUpdatedTime: isoSeconds(order.lastUpdatedMs),
    ...(programs.length > 0 ? { programs } : {}),
    salesChannel: { channelName: 'AMAZON', marketplaceId: order.marketplaceId, marketplaceName: market.name },
    ...(includedData.has('BUYER') ? { buyer: { buyerName: order.buyerName } } : {}),
    ...(includedData.has('PROCEEDS')
      ? {
          proceeds: {
            grandTotal: {
              amount: amountOf(totalCents(order), market.currency),
              currencyCode: market.currency,
            },
          },
        }
      : {}),
    ...(includedData.has('FULFILLMENT')
      ? {
          fulfillment: {
            fulfillmentStatus: order.status,
            fulfilledBy: order.fulfilledBy,
            fulfillmentServiceLevel: order.serviceLevel,
          },
        }
      : {}),
    orderItems: order.items.map((item) => ({
      orderItemId: item.orderItemId,
      quantityOrdered: item.quantity,
      product: {
        asin: item.asin,
        title: item.title,
        sellerSku: item.sellerSku,
        price: {
          unitPrice: { amount: amountOf(item.unitCents, market.currency), currencyCode: market.currency },
        },
      },
    })),
  };
}

/** The order as Orders v0 `getOrders` returns it. */
export function getOrdersView(order: BaseOrder): Record<string, unknown> {
  const market = marketplaceOf(order.marketplaceId);
  const units = order.items.reduce((sum, item) => sum + item.quantity, 0);
  const shipped =
    order.status === 'SHIPPED' ? units : order.status === 'PARTIALLY_SHIPPED' ? Math.max(1, units - 1) : 0;
  return {
    AmazonOrderId: order.orderId,
    PurchaseDate: isoSeconds(order.createdMs),
    LastUpdateDate: isoSeconds(order.lastUpdatedMs),
    OrderStatus: FULFILLMENT_STATUSES[order.status],
    FulfillmentChannel: order.fulfilledBy === 'AMAZON' ? 'AFN' : 'MFN',
    SalesChannel: market.name,
    ShipServiceLevel: V0_SERVICE_LEVELS[order.serviceLevel],
    OrderTotal: { CurrencyCode: market.currency, Amount: amountOf(totalCents(order), market.currency) },
    NumberOfItemsShipped: shipped,
    NumberOfItemsUnshipped: order.status === 'CANCELLED' ? 0 : units - shipped,
    PaymentMethod: 'Other',
    MarketplaceId: order.marketplaceId,
    OrderType: 'StandardOrder',
    IsBusinessOrder: order.business,
    IsPrime: order.prime,
    IsPremiumOrder: false,
    IsGlobalExpressEnabled: false,
    IsReplacementOrder: false,
    IsSoldByAB: false,
    IsISPU: false,
    IsAccessPointOrder: false,
  };
}
