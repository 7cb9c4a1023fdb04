/**
 * The marketplace sandbox's data: orders, reports and customers synthesised from their index
 * and a seed (deterministic, so any page can be served without storing it), in SP-API's shapes.
 */
import { sha256 } from './common';

/** Timestamp of item 0 of every family: 2024-01-01T00:00:00Z, in epoch milliseconds. */
export const BASE_EPOCH_MS = Date.UTC(2024, 0, 1);

// Spacing between consecutive items. Jitter stays below the spacing, so dates
// strictly follow the index and "newest first" is also "latest date first".
// Kept small enough that 100k items stay within a few years of the base date.
const ORDER_INTERVAL_MS = 15 * 60_000;
const REPORT_INTERVAL_MS = 6 * 3600_000;
const CUSTOMER_INTERVAL_MS = 30 * 60_000;

/** An order as the sandbox serialises it (a subset of the SP-API Orders v0 `Order`). */
export interface WireOrder {
  AmazonOrderId: string;
  PurchaseDate: string;
  LastUpdateDate: string;
  OrderStatus: string;
  FulfillmentChannel: 'AFN' | 'MFN';
  SalesChannel: string;
  ShipServiceLevel: string;
  OrderTotal: { CurrencyCode: string; Amount: string };
  NumberOfItemsShipped: number;
  NumberOfItemsUnshipped: number;
  PaymentMethod: string;
  MarketplaceId: string;
  OrderType: string;
  IsPrime: boolean;
  IsBusinessOrder: boolean;
}

/** A report as GetReportList lists it. */
export interface WireReport {
  ReportId: string;
  ReportRequestId: string;
  ReportType: string;
  AvailableDate: string;
  Acknowledged: boolean;
}

/** A customer as ListCustomers lists it. */
export interface WireCustomer {
  CustomerId: string;
  PrimaryContactInfo: { FullName: string; EmailAddress: string };
  DateCreated: string;
}

// Sales channel and currency of the marketplaces a test is likely to configure;
// any other configured id is served as if it were the US marketplace.
const MARKETPLACES: Record<string, { channel: string; currency: string }> = {
  ATVPDKIKX0DER: { channel: 'Amazon.com', currency: 'USD' },
  A2EUQ1WTGCTBG2: { channel: 'Amazon.ca', currency: 'CAD' },
  A1AM78C64UM0Y8: { channel: 'Amazon.com.mx', currency: 'MXN' },
  A1F83G8C2ARO7P: { channel: 'Amazon.co.uk', currency: 'GBP' },
  A1PA6795UKMFR9: { channel: 'Amazon.de', currency: 'EUR' },
  A1VC38T7YXB528: { channel: 'Amazon.co.jp', currency: 'JPY' },
};

const ORDER_STATUSES = [
  'Shipped',
  'Shipped',
  'Shipped',
  'Unshipped',
  'PartiallyShipped',
  'Canceled',
] as const;
const SHIP_SERVICE_LEVELS = ['Std US D2D Dom', 'Expedited', 'SecondDay', 'NextDay'] as const;
const REPORT_TYPES = [
  '_GET_FLAT_FILE_OPEN_LISTINGS_DATA_',
  '_GET_MERCHANT_LISTINGS_DATA_',
  '_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_',
  '_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_',
  '_GET_AFN_INVENTORY_DATA_',
] as const;
const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Perlman',
  'Lee',
];

/** `width` decimal digits drawn from the first 8 bytes of a digest. */
function digits(digest: Buffer, width: number): string {
  return (digest.readBigUInt64BE(0) % 10n ** BigInt(width)).toString().padStart(width, '0');
}

/** ISO-8601 without milliseconds, the way SP-API writes timestamps. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const pick = <T>(list: readonly T[], byte: number): T => list[byte % list.length] as T;

export function orderIdOf(seed: string, index: number): string {
  // Real order ids start with 1; the 16 digits after it make collisions negligible at 100k orders.
  const d = `1${digits(sha256(`${seed}#orders#${index}`), 16)}`;
  return `${d.slice(0, 3)}-${d.slice(3, 10)}-${d.slice(10)}`;
}

export function reportIdOf(seed: string, index: number): string {
  // A leading non-zero digit keeps the id the same length if a client parses it as a number.
  const digest = sha256(`${seed}#reports#${index}`);
  return `${1 + ((digest[8] ?? 0) % 9)}${digits(digest, 13)}`;
}

export function customerIdOf(seed: string, index: number): string {
  return `C${sha256(`${seed}#customers#${index}`).subarray(0, 8).toString('hex')}`;
}

/**
 * Builds order `index` (0 = oldest) in `marketplaceId`. Pure function of its
 * inputs, so pages can be generated lazily and re-reads always agree.
 */
export function synthesizeOrder(index: number, marketplaceId: string, seed = 'pagewalk'): WireOrder {
  // A second digest keeps the attributes independent of the bytes that form the id.
  const attrs = sha256(`${seed}#orders#${index}#attributes`);
  const byte = (i: number): number => attrs[i] ?? 0;
  const market = MARKETPLACES[marketplaceId] ?? { channel: 'Amazon.com', currency: 'USD' };
  // Whole seconds within the interval, so purchase dates never overtake the next order's.
  const jitterMs = (((byte(0) << 8) | byte(1)) % (ORDER_INTERVAL_MS / 1000)) * 1000;
  const purchasedMs = BASE_EPOCH_MS + index * ORDER_INTERVAL_MS + jitterMs;
  const status = pick(ORDER_STATUSES, byte(2));
  const items = 1 + (byte(3) % 4);
  const shipped = status === 'Shipped' ? items : status === 'PartiallyShipped' ? Math.max(1, items - 1) : 0;
  const cents = status === 'Canceled' ? 0 : 199 + (((byte(4) << 8) | byte(5)) % 25_000);
  return {
    AmazonOrderId: orderIdOf(seed, index),
    PurchaseDate: isoSeconds(purchasedMs),
    LastUpdateDate: isoSeconds(purchasedMs + (1 + (byte(6) % 72)) * 3600_000),
    OrderStatus: status,
    FulfillmentChannel: byte(7) % 3 === 0 ? 'MFN' : 'AFN',
    SalesChannel: market.channel,
    ShipServiceLevel: pick(SHIP_SERVICE_LEVELS, byte(8)),
    OrderTotal: { CurrencyCode: market.currency, Amount: (cents / 100).toFixed(2) },
    NumberOfItemsShipped: shipped,
    NumberOfItemsUnshipped: status === 'Canceled' ? 0 : items - shipped,
    PaymentMethod: 'Other',
    MarketplaceId: marketplaceId,
    OrderType: 'StandardOrder',
    IsPrime: byte(9) % 2 === 0,
    IsBusinessOrder: byte(10) % 10 === 0,
  };
}

/** Builds report `index` (0 = oldest). Pure, like {@link synthesizeOrder}. */
export function synthesizeReport(index: number, seed = 'pagewalk'): WireReport {
  const attrs = sha256(`${seed}#reports#${index}#attributes`);
  return {
    ReportId: reportIdOf(seed, index),
    ReportRequestId: digits(attrs, 11),
    ReportType: pick(REPORT_TYPES, attrs[8] ?? 0),
    // At most 255 minutes of jitter: well inside the 6-hour spacing, so dates keep index order.
    AvailableDate: isoSeconds(BASE_EPOCH_MS + index * REPORT_INTERVAL_MS + (attrs[9] ?? 0) * 60_000),
    // Nothing in the sandbox acknowledges reports, so every listed report is still unacknowledged.
    Acknowledged: false,
  };
}

/** Builds customer `index` (0 = oldest). Pure, like {@link synthesizeOrder}. */
export function synthesizeCustomer(index: number, seed = 'pagewalk'): WireCustomer {
  const attrs = sha256(`${seed}#customers#${index}#attributes`);
  const first = pick(FIRST_NAMES, attrs[0] ?? 0);
  const last = pick(LAST_NAMES, attrs[1] ?? 0);
  return {
    CustomerId: customerIdOf(seed, index),
    PrimaryContactInfo: {
      FullName: `${first} ${last}`,
      // The hex suffix keeps addresses unique even though names repeat.
      EmailAddress: `${first}.${last}.${attrs.subarray(2, 5).toString('hex')}@example.com`.toLowerCase(),
    },
    // At most ~21 minutes of jitter: inside the 30-minute spacing, so dates keep index order.
    DateCreated: isoSeconds(BASE_EPOCH_MS + index * CUSTOMER_INTERVAL_MS + (attrs[5] ?? 0) * 5_000),
  };
}
