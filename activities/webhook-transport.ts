import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress } from '../services/public-addresses.js';

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

/** Why a delivery does not connect to `address` (what `name` resolved to, if it came from one). */
function notPublic(address: string, name?: string): string {
  const what = name === undefined ? address : `${name} resolves to ${address}, which`;
  return `${what} is not a public address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)`;
}

/** Resolves as `resolve` does, failing where a name has any address that is not public. */
function publicOnly(resolve: LookupFunction): LookupFunction {
  return (hostname, options, callback) =>
    resolve(hostname, options, (error, found, family) => {
      const addresses = typeof found === 'string' ? [found] : (found ?? []).map((a) => a.address);
      const internal = error ? undefined : addresses.find((address) => !isPublicAddress(address));
      if (internal === undefined) callback(error, found, family);
      else callback(new Error(notPublic(internal, hostname)), found, family);
    });
}

/**
 * POSTs with node:http(s), never following a redirect. Where only public receivers are allowed,
 * the address is checked just before connecting: a literal one in the URL as it is, a name on
 * every address it resolves to (node connects to one of them).
 */
export function httpTransport(options: HttpTransportOptions): WebhookTransport {
  const lookup = options.allowPrivateAddresses
    ? options.lookup
    : publicOnly(options.lookup ?? dns.lookup);
  // Agents of its own, so a delivery never reuses a connection something else opened unchecked
  const agents = { 'http:': new http.Agent(), 'https:': new https.Agent() };
  return {
    post({ url, headers, body }) {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
      if (!options.allowPrivateAddresses && isIP(literal) !== 0 && !isPublicAddress(literal)) {
        return Promise.resolve({ statusCode: null, error: notPublic(literal) });
      }
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
            ...(lookup ? { lookup } : {}),
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
