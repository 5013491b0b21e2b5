import { describe, expect, it } from 'vitest';
import { ResponseTooLargeError, readCappedText } from '../../lib/providers/capped-body';

/** A body of `chunks` chunks of `chunkBytes` bytes, generated as read; counts the chunks pulled. */
function streamedBody(chunks: number, chunkBytes: number) {
  const pulled = { count: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.count === chunks) return controller.close();
      pulled.count += 1;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x61));
    },
  });
  return { response: new Response(stream), pulled };
}

describe('Function: readCappedText', () => {
  it('reads a body up to the cap whole, multi-byte characters across chunks included', async () => {
    const text = `{"name":"${'é'.repeat(50_000)}"}`;
    expect(await readCappedText(new Response(text), 200_000)).toBe(text);
    expect(await readCappedText(new Response(null, { status: 204 }), 10)).toBe('');
  });

  it('stops reading at the first chunk past the cap', async () => {
    const { response, pulled } = streamedBody(1000, 1024);
    await expect(readCappedText(response, 10 * 1024)).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(pulled.count).toBeLessThanOrEqual(12);
  });

  it('refuses a declared Content-Length over the cap before reading', async () => {
    const { response, pulled } = streamedBody(10, 1024);
    const declared = new Response(response.body, { headers: { 'Content-Length': '10240' } });
    await expect(readCappedText(declared, 1024)).rejects.toThrow('exceeded 1024 bytes');
    expect(pulled.count).toBeLessThanOrEqual(1);
  });
});
