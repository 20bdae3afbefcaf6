import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real HTTP receiver on localhost for webhook tests: it records every request it gets and
// answers each with what the test's `answer` decides (a status, or holding the request open).

interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** The webhook-id header: the event's id */
  id: string;
  /** What the receiver answered */
  status: number | 'held';
  /** When it arrived (epoch ms) */
  at: number;
}

export type Answer = number | 'hold';

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The messages answered 2xx, in the order they arrived */
  accepted(): ReceivedWebhook[];
  /**
   * Resolves once no connection is open: every request of a sender that has gone (whose bytes
   * may still sit in a socket when it dies) has been read and recorded by then.
   */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** `answer` gets each request and how many times its webhook-id came before. */
export async function startReceiver(
  answer: (request: { id: string; body: string; seenBefore: number }) => Answer = () => 200,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const held: ServerResponse[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      const seenBefore = seen.get(id) ?? 0;
      seen.set(id, seenBefore + 1);
      const decision = answer({ id, body, seenBefore });
      received.push({
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([name, value]) => [name, String(value)]),
        ),
        body,
        id,
        status: decision === 'hold' ? 'held' : decision,
        at,
      });
      if (decision === 'hold') {
        held.push(res);
        return;
      }
      res.writeHead(decision, { 'content-type': 'text/plain' }).end(`answered ${decision}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    accepted: () =>
      received.filter((r) => typeof r.status === 'number' && r.status >= 200 && r.status < 300),
    async idle() {
      const open = () =>
        new Promise<number>((resolve, reject) =>
          server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
        );
      // Each look is a timer away, so a connection still waiting to be accepted is taken first
      for (let quiet = 0; quiet < 2;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        quiet = (await open()) === 0 ? quiet + 1 : 0;
      }
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
