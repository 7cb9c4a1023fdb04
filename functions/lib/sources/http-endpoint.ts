import { describe } from '../validate';

/** The response size cap when a definition sets none: far above any sane page, far below 256 MB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** A KMS key ARN (not an alias: an IAM grant on an alias does not cover the key). */
export const KMS_KEY_ARN_PATTERN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$/;

/** Hosts plain http:// may name: nothing leaves the machine, so nothing is sent in the clear. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/** Describes an endpoint for an error message, with any user and password in it masked. */
export function describeEndpoint(url: unknown): string {
  return typeof url === 'string' ? describe(url.replace(/\/\/[^/?#@]*@/, '//***@')) : describe(url);
}

/**
 * Why `url` may not be an HTTP source's endpoint, or undefined when it may: an origin
 * (no path, query or fragment), `https://`, or `http://` to a loopback host only (tests,
 * sandboxes), so a credential never travels in the clear.
 */
export function endpointProblem(url: unknown): string | undefined {
  const shape =
    'an https:// origin like "https://api.example.com" (http:// only for localhost, 127.0.0.1 or [::1])';
  if (typeof url !== 'string' || !/^https?:\/\/[^/?#\s]+\/?$/.test(url)) return `must be ${shape}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `must be ${shape}`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return `must be ${shape}, without user or password: credentials come from auth.secretArn`;
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    return `must be ${shape}: plain http:// would send params and credentials in the clear`;
  }
  return undefined;
}
