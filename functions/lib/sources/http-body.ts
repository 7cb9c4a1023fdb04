/**
 * Reads a response body as text, counting bytes as they arrive, and stops (cancelling the
 * stream, so the connection closes) as soon as it passes `maxBytes`: memory stays bounded by
 * the cap whatever the server sends, even an endless body. Undefined when the body is longer.
 */
export async function readBodyUpTo(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}
