import { InvalidInput } from './errors';

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Describes a value in an error message without dumping large inputs. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Rejects keys outside `allowed`, naming the first unknown one and the allowed set. */
export function rejectUnknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new InvalidInput(`${where}${key} is not a known field; allowed: ${allowed.join(', ') || 'none'}`);
    }
  }
}

/** An integer in [min, max]; `field` is the full path used in the message. */
export function integerInRange(value: unknown, field: string, min: number, max: number, hint = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInput(
      `${field} must be an integer from ${min} to ${max}${hint}; got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * An execution input as Step Functions reports it (a JSON string, or already parsed) as an
 * object, or undefined when it is not one (not JSON, or JSON that is not an object).
 */
export function executionInputObject(input: unknown): Record<string, unknown> | undefined {
  let parsed: unknown = input;
  if (typeof input === 'string') {
    try {
      parsed = JSON.parse(input);
    } catch {
      return undefined;
    }
  }
  return isRecord(parsed) ? parsed : undefined;
}
