/**
 * DynamoDB's size of an item, following the published sizing rules: attribute names and
 * strings count their UTF-8 bytes, numbers about one byte per two significant digits plus
 * one, booleans and nulls one byte, and each map or list three bytes plus one per element.
 * Used to name an oversized item before BatchWriteItem rejects the whole request.
 */
export function dynamoItemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits = String(value).replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '');
    return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    return 3 + value.reduce<number>((sum, element) => sum + 1 + valueSize(element), 0);
  }
  if (typeof value === 'object') {
    let size = 3;
    for (const [name, element] of Object.entries(value as Record<string, unknown>)) {
      if (element === undefined) continue;
      size += 1 + Buffer.byteLength(name, 'utf8') + valueSize(element);
    }
    return size;
  }
  return Buffer.byteLength(String(value), 'utf8');
}

/** The most bytes a DynamoDB number takes: 38 significant digits, two a byte, plus one. */
const MAX_NUMBER_BYTES = 21;

/**
 * An upper bound of {@link dynamoItemSize} that reads no string's bytes: a UTF-16 code unit
 * is at most 3 UTF-8 bytes, a number at most 21 bytes. Almost every item is far below the
 * limit by this bound alone, so the exact size (which encodes every string and prints every
 * number) is computed only for the rare item near it.
 */
export function dynamoItemSizeAtMost(item: Record<string, unknown>): number {
  let size = 0;
  for (const name in item) {
    const value = item[name];
    if (value === undefined || !Object.hasOwn(item, name)) continue;
    size += 3 * name.length + boundOf(value);
  }
  return size;
}

function boundOf(value: unknown): number {
  if (typeof value === 'string') return 3 * value.length;
  if (typeof value === 'number' || typeof value === 'bigint') return MAX_NUMBER_BYTES;
  if (value === null || typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    let size = 3;
    for (const element of value) size += 1 + boundOf(element);
    return size;
  }
  if (typeof value === 'object') {
    let size = 3;
    for (const name in value) {
      const element = (value as Record<string, unknown>)[name];
      if (element === undefined || !Object.hasOwn(value, name)) continue;
      size += 1 + 3 * name.length + boundOf(element);
    }
    return size;
  }
  return 3 * String(value).length;
}
