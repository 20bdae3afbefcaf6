import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventType } from '../../common/events.js';
import { workflowIds } from '../../common/temporal-names.js';
import { webhookBodySchemas } from '../../server/routes/events.js';
import {
  OPERATOR_KEY,
  createOrgWithKey,
  eventually,
  expectProblem,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// Managing webhook endpoints over HTTP: hostile input refused with the field and rule and nothing
// written, the secret shown only when made, retries and races safe, and each org and environment
// seeing, changing and receiving only its own.

let product: TestProduct;
let key: string;
let orgId: string;
let otherKey: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  product = await startTestProduct(undefined, { WEBHOOK_POLL_MS: '50' });
  ({ orgId, key } = await createOrgWithKey(product.http, 'Hooks Bank', ['VISA']));
  otherKey = (await createOrgWithKey(product.http, 'Other Hooks Bank', ['VISA'])).key;
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await product?.stop();
});

const create = (json: unknown, apiKey = key, headers: Record<string, string> = {}) =>
  product.http('POST', '/v1/webhook-endpoints', { key: apiKey, json, headers });

const endpointCount = () => product.prisma.webhookEndpoint.count({ where: { orgId } });

describe('webhook endpoints', () => {
  it('refuses hostile input naming the field and rule, and writes nothing', async () => {
    const before = await endpointCount();
    const refusals: [unknown, string, string][] = [
      [{ url: 'https://hooks.example/a\u0000b' }, 'body.url', 'control_character'],
      // The URL parser would drop these silently and save another URL than the one sent
      [{ url: 'https://hooks.example/a\tb' }, 'body.url', 'control_character'],
      [{ url: 'https://hooks.example/a\rb' }, 'body.url', 'control_character'],
      [{ url: 'https://hooks.example/a\nb' }, 'body.url', 'control_character'],
      [{ url: 'https://hooks.exa\nmple/x' }, 'body.url', 'control_character'],
      [{ url: 'https://\t127.0.0.1/x' }, 'body.url', 'control_character'],
      [{ url: 'ftp://hooks.example/x' }, 'body.url', 'invalid_url'],
      [{ url: 'https://user:pw@hooks.example/x' }, 'body.url', 'credentials_in_url'],
      [{ url: `https://hooks.example/${'a'.repeat(2100)}` }, 'body.url', 'too_long'],
      [{ url: 42 }, 'body.url', 'invalid_type'],
      [{}, 'body.url', 'required'],
      [
        { url: 'https://hooks.example/x', eventTypes: ['account.exploded'] },
        'body.eventTypes.0',
        'invalid_value',
      ],
      [
        { url: 'https://hooks.example/x', eventTypes: ['account.created', 'account.created'] },
        'body.eventTypes',
        'unique',
      ],
      [{ url: 'https://hooks.example/x', secret: 'mine' }, 'body.secret', 'unknown_field'],
      [{ url: 'https://hooks.example/x', description: '' }, 'body.description', 'too_short'],
    ];
    for (const [json, field, rule] of refusals) {
      const answer = await create(json);
      expect(answer.status, JSON.stringify(json)).toBe(400);
      expect(answer.body.errors, JSON.stringify(json)).toContainEqual(
        expect.objectContaining({ field, rule }),
      );
    }
    expect(await endpointCount()).toBe(before);
  });

  it('refuses, where production rules apply, plain http:// and receivers on internal addresses', async () => {
    const strict = await startTestProduct(
      { api: true, worker: false },
      { WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false' },
    );
    try {
      const { orgId: strictOrg, key: strictKey } = await createOrgWithKey(
        strict.http,
        'Strict Hooks Bank',
        ['VISA'],
      );
      const refusals: [string, string][] = [
        ['http://hooks.example/x', 'https_required'],
        ['https://127.0.0.1/x', 'public_address_required'],
        ['https://127.1.2.3:8443/x', 'public_address_required'],
        ['https://[::1]/x', 'public_address_required'],
        ['https://[::ffff:127.0.0.1]/x', 'public_address_required'],
        ['https://10.0.0.8/x', 'public_address_required'],
        ['https://192.168.1.1/x', 'public_address_required'],
        ['https://169.254.169.254/latest/meta-data', 'public_address_required'],
        ['https://[fd00::1]/x', 'public_address_required'],
        ['https://0.0.0.0/x', 'public_address_required'],
        ['https://localhost:7233/x', 'public_address_required'],
        ['https://temporal.localhost./x', 'public_address_required'],
        // IPv6 forms carrying an internal IPv4: IPv4-compatible, mapped in hex, NAT64, 6to4, Teredo
        ...[
          'https://[::a9fe:a9fe]/latest/meta-data/',
          'https://[::127.0.0.1]/',
          'https://[::7f00:1]/',
          'https://[::a00:1]/',
          'https://[::ffff:a9fe:a9fe]/',
          'https://[64:ff9b::127.0.0.1]/',
          'https://[64:ff9b::a00:1]/',
          'https://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
          'https://[64:ff9b:1::a9fe:a9fe]/',
          'https://[2002:7f00:1::1]/',
          'https://[2002:a00:1::1]/',
          'https://[2002:a9fe:a9fe::]/',
          'https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
          'https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/',
          'https://[2001:0:a9fe:a9fe:8000:63bf:a247:28f1]/',
          'https://[fd00:ec2::254]/',
        ].map((url): [string, string] => [url, 'public_address_required']),
      ];
      for (const [url, rule] of refusals) {
        const answer = await strict.http('POST', '/v1/webhook-endpoints', {
          key: strictKey,
          json: { url },
        });
        expectProblem(answer, 400, rule);
        expect(answer.body.errors, url).toContainEqual(
          expect.objectContaining({ field: 'body.url', rule }),
        );
      }
      expect(await strict.prisma.webhookEndpoint.count({ where: { orgId: strictOrg } })).toBe(0);
      // Public receivers are taken; moving one to an internal address is refused and changes nothing
      const made = await strict.http('POST', '/v1/webhook-endpoints', {
        key: strictKey,
        json: { url: 'https://93.184.215.14/hooks' },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const byIpv6 = await strict.http('POST', '/v1/webhook-endpoints', {
        key: strictKey,
        json: { url: 'https://[2606:4700:4700::1111]/hooks' },
      });
      expect(byIpv6.status, JSON.stringify(byIpv6.body)).toBe(201);
      for (const url of ['https://169.254.169.254/', 'https://[::a9fe:a9fe]/']) {
        const moved = await strict.http('PATCH', `/v1/webhook-endpoints/${made.body.id}`, {
          key: strictKey,
          json: { url },
        });
        expectProblem(moved, 400, 'public_address_required');
      }
      const tabbed = await strict.http('PATCH', `/v1/webhook-endpoints/${made.body.id}`, {
        key: strictKey,
        json: { url: 'https://93.184.215.14/ho\toks' },
      });
      expectProblem(tabbed, 400, 'control_character');
      const stored = await strict.prisma.webhookEndpoint.findMany({ where: { orgId: strictOrg } });
      expect(stored.map((e) => [e.url, e.version]).sort()).toEqual([
        ['https://93.184.215.14/hooks', 1],
        ['https://[2606:4700:4700::1111]/hooks', 1],
      ]);
    } finally {
      await strict.stop();
    }
  });

  it('shows the secret once, and a retried create answers the same endpoint and secret', async () => {
    const headers = { 'idempotency-key': `hook-${Date.now()}` };
    const json = { url: 'https://hooks.example/once', description: 'Core banking' };
    const first = await create(json, key, headers);
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const again = await create(json, key, headers);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const read = await product.http('GET', `/v1/webhook-endpoints/${first.body.id}`, { key });
    expect(read.body).not.toHaveProperty('secret');
    expect(JSON.stringify(read.body)).not.toContain(first.body.secret);
    const stored = await product.prisma.webhookEndpoint.findUniqueOrThrow({
      where: { id: first.body.id },
    });
    expect(stored.secret).not.toContain(first.body.secret.slice(6));
    const listed = await product.http('GET', '/v1/webhook-endpoints', { key });
    expect(JSON.stringify(listed.body)).not.toContain(first.body.secret);
  });

  it('refuses a change made on a stale version, and an empty one', async () => {
    const made = await create({ url: 'https://hooks.example/race' });
    const etag = made.headers.get('etag')!;
    const patch = (json: unknown, ifMatch = etag) =>
      product.http('PATCH', `/v1/webhook-endpoints/${made.body.id}`, {
        key,
        json,
        headers: { 'if-match': ifMatch },
      });
    const racers = await Promise.all([
      patch({ description: 'first' }),
      patch({ description: 'second' }),
    ]);
    expect(racers.map((r) => r.status).sort()).toEqual([200, 412]);
    expectProblem(
      await patch({}, racers.find((r) => r.status === 200)!.headers.get('etag')!),
      400,
      'no_fields',
    );
  });

  it("keeps each org's and environment's endpoints to itself", async () => {
    const mine = await create({ url: 'https://hooks.example/mine' });
    const id: string = mine.body.id;
    for (const [method, path, json] of [
      ['GET', `/v1/webhook-endpoints/${id}`, undefined],
      ['PATCH', `/v1/webhook-endpoints/${id}`, { enabled: false }],
      ['DELETE', `/v1/webhook-endpoints/${id}`, undefined],
      ['POST', `/v1/webhook-endpoints/${id}/secret/rotate`, undefined],
      ['GET', `/v1/webhook-endpoints/${id}/deliveries`, undefined],
      ['POST', `/v1/webhook-endpoints/${id}/redeliveries`, { eventId: id }],
    ] as const) {
      expectProblem(await product.http(method, path, { key: otherKey, json }), 404);
    }
    const theirs = await product.http('GET', '/v1/webhook-endpoints?limit=200', { key: otherKey });
    expect(theirs.body.items.map((e: { id: string }) => e.id)).not.toContain(id);
    // Another org's event cannot be sent to my endpoint
    // (the other org's onboarding writes its first events in the background)
    const foreign = await eventually(
      async () =>
        (await product.prisma.event.findFirst({ where: { NOT: { orgId } } })) ?? undefined,
    );
    const redelivery = await product.http('POST', `/v1/webhook-endpoints/${id}/redeliveries`, {
      key,
      json: { eventId: foreign.id },
    });
    expectProblem(redelivery, 404);
    expect(redelivery.body.errors).toContainEqual(
      expect.objectContaining({ field: 'body.eventId' }),
    );
    const endpoint = await product.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } });
    expect(endpoint).toMatchObject({ enabled: true, deletedAt: null, version: 1 });
  });

  it("delivers a test environment's events to its endpoints only, never to production's", async () => {
    const test = await startReceiver();
    const production = await startReceiver();
    receivers.push(test, production);
    const productionKey = await eventually(async () => {
      const issued = await product.http('POST', `/v1/orgs/${orgId}/api-keys`, {
        key: OPERATOR_KEY,
        json: { environment: 'PRODUCTION', name: 'backend' },
      });
      return issued.status === 201 ? (issued.body.token as string) : undefined;
    });
    const testEndpoint = await create({ url: test.url, eventTypes: ['account.created'] });
    expect(testEndpoint.status).toBe(201);
    const productionEndpoint = await create(
      { url: production.url, eventTypes: ['account.created'] },
      productionKey,
    );
    expect(productionEndpoint.status).toBe(201);
    // Neither key sees, changes or reads the deliveries of the other environment's endpoint
    for (const [apiKey, id] of [
      [productionKey, testEndpoint.body.id as string],
      [key, productionEndpoint.body.id as string],
    ]) {
      expectProblem(await product.http('GET', `/v1/webhook-endpoints/${id}`, { key: apiKey }), 404);
      expectProblem(
        await product.http('PATCH', `/v1/webhook-endpoints/${id}`, {
          key: apiKey,
          json: { enabled: false },
        }),
        404,
      );
      expectProblem(
        await product.http('GET', `/v1/webhook-endpoints/${id}/deliveries`, { key: apiKey }),
        404,
      );
    }
    const listed = await product.http('GET', '/v1/webhook-endpoints?limit=200', { key });
    expect(listed.body.items.map((e: { id: string }) => e.id)).not.toContain(
      productionEndpoint.body.id,
    );
    const openIn = async (apiKey: string) => {
      const program = await product.http('POST', '/v1/programs', {
        key: apiKey,
        json: { name: `P-${Date.now()}`, type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
      });
      const account = await product.http('POST', '/v1/accounts', {
        key: apiKey,
        json: {
          programId: program.body.id,
          owner: { person: { name: 'Env Test', documentNumber: `ENV-${Date.now()}` } },
        },
      });
      expect(account.status).toBe(201);
      return account.body.id as string;
    };
    const testAccount = await openIn(key);
    const productionAccount = await openIn(productionKey);
    const subjects = (r: WebhookReceiver) =>
      r
        .accepted()
        .map((m) => (JSON.parse(m.body) as { data: { subject: { id: string } } }).data.subject.id);
    await eventually(() =>
      Promise.resolve(
        subjects(test).includes(testAccount) && subjects(production).includes(productionAccount)
          ? true
          : undefined,
      ),
    );
    expect(subjects(test)).toEqual([testAccount]);
    expect(subjects(production)).toEqual([productionAccount]);
    // Each body is what the document's webhook of its type declares
    for (const message of [...test.accepted(), ...production.accepted()]) {
      const body = JSON.parse(message.body) as { type: EventType };
      expect(webhookBodySchemas[body.type].safeParse(body).error).toBeUndefined();
    }
  });

  it('deletes an endpoint: gone from reads, its delivery process ends', async () => {
    const made = await create({ url: 'https://hooks.example/gone' });
    const gone = await product.http('DELETE', `/v1/webhook-endpoints/${made.body.id}`, { key });
    expect(gone.status).toBe(204);
    expectProblem(await product.http('GET', `/v1/webhook-endpoints/${made.body.id}`, { key }), 404);
    const listed = await product.http('GET', '/v1/webhook-endpoints?limit=200', { key });
    expect(listed.body.items.map((e: { id: string }) => e.id)).not.toContain(made.body.id);
    const run = product.temporal.workflow.getHandle(
      workflowIds.webhookEndpointDelivery(made.body.id),
    );
    expect(await (await run.describe()).staticSummary()).toBe(
      `Webhook deliveries · endpoint ${made.body.id}`,
    );
    await run.result();
  });
});
