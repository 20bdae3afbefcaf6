// How a webhook reaches its receiver: one HTTP POST. An interface, so a deployment can send
// through an egress proxy or a queue of its own instead of fetch.

interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The receiver's answer, or why there was none. */
type WebhookResponse = { statusCode: number; text: string } | { statusCode: null; error: string };

export interface WebhookTransport {
  post(request: WebhookRequest): Promise<WebhookResponse>;
}

/** Reads at most this much of an answer: only an excerpt is kept. */
const ANSWER_BYTES = 4096;

/** POSTs with fetch; a receiver that takes longer than `timeoutMs` counts as no answer. */
export function fetchTransport(timeoutMs: number): WebhookTransport {
  return {
    async post({ url, headers, body }) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        return { statusCode: response.status, text: await excerptOf(response) };
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason =
          error instanceof Error && error.name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : (cause?.code ?? cause?.message ?? String(error));
        return { statusCode: null, error: reason };
      }
    },
  };
}

async function excerptOf(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ANSWER_BYTES) {
      const chunk = await reader.read();
      if (chunk.done) break;
      chunks.push(chunk.value);
      size += chunk.value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, ANSWER_BYTES).toString('utf8');
}
