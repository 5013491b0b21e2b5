// Reads a provider's response body as text, streamed, stopping at a byte cap: a body larger than any
// real answer is a bad upstream response, and reading it whole could exhaust the function's memory.

/** The body passed the cap; what arrived so far is discarded and the rest is never read. */
export class ResponseTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The response body exceeded ${maxBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

export async function readCappedText(response: Response, maxBytes: number): Promise<string> {
  const declaredBytes = Number(response.headers.get('content-length'));
  if (Number.isFinite(declaredBytes) && declaredBytes > maxBytes) {
    await response.body?.cancel();
    throw new ResponseTooLargeError(maxBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let receivedBytes = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    receivedBytes += value.byteLength;
    if (receivedBytes > maxBytes) {
      await reader.cancel();
      throw new ResponseTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, receivedBytes).toString('utf8');
}
