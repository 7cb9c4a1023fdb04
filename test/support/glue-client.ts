import { GlueClient } from '@aws-sdk/client-glue';

/** A real GlueClient for a sandbox at `url`: dummy credentials, no SDK retries (tests count calls). */
export function sandboxGlueClient(url: string): GlueClient {
  return new GlueClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** Awaits a call that must fail and returns the SDK error it rejected with. */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}
