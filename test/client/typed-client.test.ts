import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createCardIssuingClient,
  type EventPayload,
  type FeedEvent,
  type WebhookBody,
} from '../../client/index.js';
import { buildOpenApiDocument } from '../../server/openapi-document.js';
import {
  OPERATOR_KEY,
  eventually,
  sampleOrg,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';

// The generated typed client (client/) against the running product: what the README's "Try it"
// shows, typed end to end.

let product: TestProduct;
beforeAll(async () => {
  product = await startTestProduct();
});
afterAll(async () => {
  await product?.stop();
});

describe('the typed client', () => {
  it('is generated from the document GET /openapi.json serves', async () => {
    // scripts/client-schema.ts builds the document without a server; it must be the served one
    const served = await product.http('GET', '/openapi.json');
    expect(served.status).toBe(200);
    expect(served.body).toEqual(
      JSON.parse(JSON.stringify(buildOpenApiDocument(served.body.servers[0].url))),
    );
  });

  it('creates an org, a program, an account and a transaction', async () => {
    const operator = createCardIssuingClient({ baseUrl: product.baseUrl, apiKey: OPERATOR_KEY });
    const created = await operator.POST('/v1/orgs', {
      body: { ...sampleOrg, networks: ['VISA'] },
      headers: { 'Idempotency-Key': `typed-client-${randomBytes(4).toString('hex')}` },
    });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    const { org, apiKey } = created.data!;
    expect(org.legalName).toBe(sampleOrg.legalName);

    const fetched = await operator.GET('/v1/orgs/{orgId}', {
      params: { path: { orgId: org.id } },
    });
    expect(fetched.data?.id).toBe(org.id);

    const acme = createCardIssuingClient({ baseUrl: product.baseUrl, apiKey: apiKey.token });
    const program = await acme.POST('/v1/programs', {
      body: {
        name: 'Acme Gold',
        type: 'CREDIT',
        cardNetwork: 'VISA',
        currency: 'BRL',
        dueDays: [5, 10],
        defaultCreditLimit: 500_000,
      },
    });
    expect(program.response.status, JSON.stringify(program.error)).toBe(201);
    expect(program.data).toMatchObject({ currency: 'BRL', defaultCreditLimit: 500_000 });

    const account = await acme.POST('/v1/accounts', {
      body: {
        programId: program.data!.id,
        owner: { person: { name: 'Maria da Silva', documentNumber: '123.456.789-09' } },
        dueDay: 10,
      },
    });
    expect(account.response.status, JSON.stringify(account.error)).toBe(201);
    expect(account.data).toMatchObject({ status: 'NORMAL', creditLimit: 500_000, dueDay: 10 });

    const cashIn = await acme.POST('/v1/accounts/{accountId}/transactions', {
      params: { path: { accountId: account.data!.id } },
      body: { type: 'CASH_IN', amount: 15_000, currency: 'BRL' },
    });
    expect(cashIn.response.status, JSON.stringify(cashIn.error)).toBe(201);
    expect(cashIn.data?.account.balance).toBe(15_000);

    // Its event, typed by its type: the payload's fields, and the webhook body around the item
    const posted = await eventually(async () => {
      const feed = await acme.GET('/v1/events', {
        params: { query: { type: 'account.transaction_posted', subjectId: account.data!.id } },
      });
      return feed.data?.items.find(
        (item): item is FeedEvent<'account.transaction_posted'> =>
          item.type === 'account.transaction_posted',
      );
    });
    expectTypeOf(posted.payload.amount).toEqualTypeOf<number>();
    expectTypeOf<EventPayload<'account.transaction_posted'>['type']>().toEqualTypeOf<
      'CASH_IN' | 'CASH_OUT'
    >();
    expect(posted.payload).toMatchObject({ type: 'CASH_IN', amount: 15_000, balanceAfter: 15_000 });
    const body: WebhookBody<'account.transaction_posted'> = {
      type: posted.type,
      timestamp: posted.occurredAt,
      data: posted,
    };
    const anyBody: WebhookBody = body;
    if (anyBody.type === 'account.transaction_posted')
      expectTypeOf(anyBody.data.payload.currency).toEqualTypeOf<string>();

    const blocked = await acme.PATCH('/v1/accounts/{accountId}/status', {
      params: { path: { accountId: account.data!.id } },
      body: { status: 'BLOCKED', description: 'Card reported lost' },
    });
    expect(blocked.response.status, JSON.stringify(blocked.error)).toBe(200);
    expect(blocked.data?.status).toBe('BLOCKED');

    const page = await acme.GET('/v1/accounts', { params: { query: { limit: 10 } } });
    expect(page.data?.items.map((item) => item.id)).toEqual([account.data!.id]);
  });

  it('hands a refusal back as the typed problem', async () => {
    const operator = createCardIssuingClient({ baseUrl: product.baseUrl, apiKey: OPERATOR_KEY });
    const missing = await operator.GET('/v1/orgs/{orgId}', {
      params: { path: { orgId: '0b6f3c52-9d4e-4a8b-8f1e-2c7a5d9e4b13' } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ status: 404, type: '/problems/not-found' });
  });
});
