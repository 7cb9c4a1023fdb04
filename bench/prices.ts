/**
 * AWS list prices the cost estimate uses. ASSUMPTIONS: us-east-1 public on-demand prices as
 * known when this was written (2024–2025), no free tier, no savings plans. Check the pricing
 * pages before quoting a figure; change them here and every estimate follows.
 */
export const PRICES = {
  /** Step Functions Standard: $0.025 per 1,000 state transitions (retries count too). */
  stepFunctionsPerTransition: 0.025 / 1000,
  /** Lambda on arm64 (Graviton): $0.0000133334 per GB-second of billed duration. */
  lambdaPerGbSecond: 0.000_013_333_4,
  /** Lambda: $0.20 per 1M requests. */
  lambdaPerRequest: 0.2 / 1_000_000,
  /** DynamoDB on-demand: $0.625 per million write request units (1 WRU per started KB of item). */
  dynamoPerWriteUnit: 0.625 / 1_000_000,
} as const;

/**
 * Memory each Lambda is billed at. ASSUMPTIONS: pagewalk's functions as deployed (256 MB);
 * the classic collect-everything loop at 1024 MB, the size the design brief says it needs;
 * the page-by-page loop's memory is flat, so it is priced like pagewalk's function.
 */
export const LAMBDA_MEMORY_MB = {
  pagewalk: 256,
  pagewalkAws: 256,
  baselineA: 1024,
  baselineB: 256,
} as const;

/** Lambda's maximum timeout: an in-Lambda loop that needs longer cannot finish in one invocation. */
export const LAMBDA_TIMEOUT_SECONDS = 900;
