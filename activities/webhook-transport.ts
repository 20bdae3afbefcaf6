import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

// How a webhook reaches its receiver: one HTTP POST. An interface, so a deployment can send
// through an egress proxy or a queue of its own instead.

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

export interface HttpTransportOptions {
  /** A receiver that has not answered in full within this counts as no answer */
  timeoutMs: number;
  /**
   * Whether a receiver may be on a loopback, private, link-local or other non-public address.
   * Refused, the check is made on the address a connection is about to use, after DNS, so a
   * name that resolves to an internal address (or is re-pointed at one later) is refused too.
   */
  allowPrivateAddresses: boolean;
  /** How host names are resolved; the system resolver unless given */
  lookup?: LookupFunction;
}

/** POSTs with node:http(s), never following a redirect. */
export function httpTransport(options: HttpTransportOptions): WebhookTransport {
  const filter = { allowPrivateIPAddress: options.allowPrivateAddresses };
  const agents = {
    'http:': new RequestFilteringHttpAgent(filter),
    'https:': new RequestFilteringHttpsAgent(filter),
  };
  return {
    post({ url, headers, body }) {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      return new Promise<WebhookResponse>((settle) => {
        let settled = false;
        const finish = (response: WebhookResponse) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          request.destroy();
          settle(response);
        };
        const request = client.request(
          target,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
              ...headers,
            },
            agent: agents[target.protocol as keyof typeof agents],
            ...(options.lookup ? { lookup: options.lookup } : {}),
          },
          (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const answered = () =>
              finish({
                statusCode: response.statusCode ?? 0,
                text: Buffer.concat(chunks).subarray(0, ANSWER_BYTES).toString('utf8'),
              });
            response.on('data', (chunk: Buffer) => {
              chunks.push(chunk);
              size += chunk.length;
              if (size >= ANSWER_BYTES) answered();
            });
            // A receiver that closes mid-answer still answered with its status
            response.on('end', answered);
            response.on('error', answered);
          },
        );
        const timer = setTimeout(
          () => finish({ statusCode: null, error: `no answer within ${options.timeoutMs} ms` }),
          options.timeoutMs,
        );
        request.on('error', (error: NodeJS.ErrnoException) =>
          finish({ statusCode: null, error: error.code ?? error.message }),
        );
        request.end(body);
      });
    },
  };
}
