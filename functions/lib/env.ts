/** Reads a required environment variable once, failing loudly at cold start when it is missing. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is required but not set`);
  }
  return value;
}

/** An optional whole-number variable in [min, max]; undefined when unset, a loud failure when malformed. */
export function optionalIntegerEnv(name: string, min: number, max: number): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(
      `Environment variable ${name} must be a whole number from ${min} to ${max}; got ${value}`,
    );
  }
  return n;
}
