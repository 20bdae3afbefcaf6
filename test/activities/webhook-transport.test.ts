import diagnostics from 'node:diagnostics_channel';
import dns from 'node:dns';
import { createServer } from 'node:http';
import { isIP, type AddressInfo, type LookupFunction, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTransport } from '../../activities/webhook-transport.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// The POST a webhook delivery makes: real receivers on 127.0.0.1, and a resolver that says a
// public-looking name lives there, as a DNS record pointed at an internal address would.

const receivers: WebhookReceiver[] = [];

// Whatever the transport decides, nothing here connects anywhere but loopback: a socket whose name
// resolved elsewhere is destroyed before it connects (node checks between its lookup and its
// connect), so a transport letting an internal address through fails these tests without sending
// a packet. URLs naming an address literally are connected to without a lookup, so only forms
// the transport has always refused are given that way.
const loopbackOnly = (message: unknown) => {
  const { socket } = message as { socket: Socket };
  socket.on('lookup', (error: Error | null, address: string) => {
    if (!error && address !== '127.0.0.1') socket.destroy();
  });
};
beforeAll(() => diagnostics.subscribe('net.client.socket', loopbackOnly));
afterAll(async () => {
  diagnostics.unsubscribe('net.client.socket', loopbackOnly);
  await Promise.all(receivers.map((r) => r.close()));
});

const receiver = async () => {
  const r = await startReceiver();
  receivers.push(r);
  return r;
};

/** Resolves every name to 127.0.0.1 */
const toLoopback: LookupFunction = (_hostname, options, callback) =>
  dns.lookup('127.0.0.1', options, callback);

/** Resolves every name to `addresses`, as a DNS record naming them would */
const resolvingTo =
  (...addresses: string[]): LookupFunction =>
  (_hostname, options, callback) => {
    const found = addresses.map((address) => ({ address, family: isIP(address) }));
    if (options.all) callback(null, found);
    else callback(null, found[0]!.address, found[0]!.family);
  };

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
      error:
        'hooks.receiver.example resolves to 127.0.0.1, which is not a public address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)',
    });
    // An endpoint saved by address where the rules were looser is refused at delivery too
    expect(await strict.post(request(r.url))).toEqual({
      statusCode: null,
      error: '127.0.0.1 is not a public address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)',
    });
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

  it('refuses to connect to an IPv6 form of an internal IPv4 address, named or resolved to', async () => {
    const r = await receiver();
    const port = new URL(r.url).port;
    const byName = `http://hooks.receiver.example:${port}/hooks`;
    const resolved = [
      ['::7f00:1'], // IPv4-compatible 127.0.0.1
      ['::a9fe:a9fe'], // IPv4-compatible 169.254.169.254
      ['::a00:1'], // IPv4-compatible 10.0.0.1
      ['::ffff:a9fe:a9fe'], // IPv4-mapped
      ['64:ff9b::7f00:1'], // NAT64
      ['64:ff9b::a9fe:a9fe'],
      ['64:ff9b:1::a00:1'], // NAT64 local-use
      ['2002:a9fe:a9fe::1'], // 6to4
      ['2001:0:4136:e378:8000:63bf:80ff:fffe'], // Teredo, client 127.0.0.1
      ['2001:0:a00:1:8000:63bf:a247:28f1'], // Teredo, server 10.0.0.1
      ['fd00:ec2::254'], // unique-local
      ['93.184.215.14', '::a9fe:a9fe'], // one public address does not clear the others
    ];
    for (const addresses of resolved) {
      const strict = httpTransport({
        timeoutMs: 5000,
        allowPrivateAddresses: false,
        lookup: resolvingTo(...addresses),
      });
      expect(await strict.post(request(byName)), addresses.join()).toEqual({
        statusCode: null,
        error: `hooks.receiver.example resolves to ${addresses.at(-1)}, which is not a public address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)`,
      });
    }
    const strict = httpTransport({ timeoutMs: 5000, allowPrivateAddresses: false });
    for (const literal of [
      '::ffff:7f00:1',
      '64:ff9b::7f00:1',
      '2002:7f00:1::',
      '2001:0:4136:e378:8000:63bf:80ff:fffe',
    ]) {
      expect(await strict.post(request(`http://[${literal}]:${port}/hooks`))).toEqual({
        statusCode: null,
        error: `${literal} is not a public address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)`,
      });
    }
    expect(r.received).toEqual([]);
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
