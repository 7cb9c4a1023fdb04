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
