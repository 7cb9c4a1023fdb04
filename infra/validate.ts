import { Token } from 'aws-cdk-lib';

/**
 * Returns `value` when it is a whole number within `min..max`, and throws otherwise with
 * the offending value and the allowed range, so a bad prop fails at synth, not at deploy.
 * Unresolved tokens pass through: CloudFormation validates those.
 */
export function requireIntegerInRange(
  name: string,
  value: number,
  min: number,
  max: number,
  unit: string,
): number {
  if (Token.isUnresolved(value)) return value;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} ${unit}; got ${value}`);
  }
  return value;
}

/** Returns `value` when it is one of `allowed`, and throws naming the value and the choices otherwise. */
export function requireOneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Returns `value` when it matches `pattern`, and throws naming the value and what is allowed otherwise. */
export function requireMatch(name: string, value: string, pattern: RegExp, allowed: string): string {
  if (Token.isUnresolved(value)) return value;
  if (!pattern.test(value)) {
    throw new Error(`${name} must be ${allowed}; got ${JSON.stringify(value)}`);
  }
  return value;
}
