import dns from 'node:dns';
import { createServer } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { httpTransport } from '../../activities/webhook-transport.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// The POST a webhook delivery makes: real receivers on 127.0.0.1, and a resolver that says a
// public-looking name lives there, as a DNS record pointed at an internal address would.

const receivers: WebhookReceiver[] = [];
afterAll(() => Promise.all(receivers.map((r) => r.close())));

const receiver = async () => {
  const r = await startReceiver();
  receivers.push(r);
  return r;
};

/** Resolves every name to 127.0.0.1 */
const toLoopback: LookupFunction = (_hostname, options, callback) =>
  dns.lookup('127.0.0.1', options, callback);

const request = (url: string) => ({ url, headers: { 'webhook-id': 'msg_1' }, body: '{"a":1}' });

describe('the webhook transport', () => {
  it('refuses to connect where a receiver’s name resolves to an internal address', async () => {
    const r = await receiver();
    const byName = r.url.replace('127.0.0.1', 'hooks.receiver.example');
    const strict = httpTransport({
      timeoutMs: 5000,
      allowPrivateAddresses: false,
      lookup: toLoopback,
    });
    const refused = await strict.post(request(byName));
    expect(refused).toMatchObject({
      statusCode: null,
      error: expect.stringMatching(/127\.0\.0\.1.*not allowed/),
    });
    // An endpoint saved by address where the rules were looser is refused at delivery too
    expect(await strict.post(request(r.url))).toMatchObject({ statusCode: null });
    expect(r.received).toEqual([]);
    // The same name and resolver reach the receiver where internal addresses are allowed
    const loose = httpTransport({
      timeoutMs: 5000,
      allowPrivateAddresses: true,
      lookup: toLoopback,
    });
    expect(await loose.post(request(byName))).toEqual({ statusCode: 200, text: 'answered 200' });
    expect(r.received.map((m) => [m.id, m.body])).toEqual([['msg_1', '{"a":1}']]);
  });

  it('keeps the start of a long answer, does not follow a redirect, and gives up on a silent receiver', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/long') res.end('x'.repeat(100_000));
      else if (req.url === '/moved') res.writeHead(307, { location: '/long' }).end();
      // '/silent' is never answered
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const transport = httpTransport({ timeoutMs: 300, allowPrivateAddresses: true });
      const long = await transport.post(request(`${base}/long`));
      expect(long).toMatchObject({ statusCode: 200 });
      expect((long as { text: string }).text).toBe('x'.repeat(4096));
      expect(await transport.post(request(`${base}/moved`))).toEqual({ statusCode: 307, text: '' });
      expect(await transport.post(request(`${base}/silent`))).toEqual({
        statusCode: null,
        error: 'no answer within 300 ms',
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
