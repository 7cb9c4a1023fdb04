/**
 * The demo bucket the local S3 is seeded with: a few thousand keys in four prefixes, some with
 * spaces and non-ASCII characters (as real buckets have), always the same keys, so a drain can
 * be checked against the exact set.
 */

/** The bucket `npm start -- --source aws.s3.listObjectsV2` reads when no Bucket is given. */
export const DEMO_BUCKET = 'demo';

/** How many keys each prefix holds. */
const PREFIXES: ReadonlyArray<readonly [string, number, (i: number) => string]> = [
  ['logs/app/', 1200, (i) => `2024-${pad(1 + (i % 12), 2)}-${pad(1 + (i % 28), 2)}/part-${pad(i, 5)}.log`],
  ['reports/', 900, (i) => `report ${pad(i, 4)}.csv`],
  ['photos/été 2024/', 600, (i) => `IMG_${pad(i, 4)}.jpg`],
  ['docs/日本語 ドキュメント/', 300, (i) => `文書 ${pad(i, 3)} ✓.txt`],
];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Every key of the demo bucket (3,000), in no particular order. */
export function demoKeys(): string[] {
  return PREFIXES.flatMap(([prefix, count, name]) =>
    Array.from({ length: count }, (_, i) => `${prefix}${name(i)}`),
  );
}
