import net from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_KEY,
  createAccount,
  createOrgWithKey,
  databaseFingerprint,
  expectProblem,
  sampleOrg,
  startTestProduct,
  type HttpResponse,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';

// Bad input of any kind is a 4xx problem naming the field and the rule, and writes nothing.

let product: TestProduct;
let key: string;
let orgId: string;
let accountId: string;
let programId: string;

beforeAll(async () => {
  product = await startTestProduct();
  ({ key, orgId } = await createOrgWithKey(product.http, 'Validation Bank'));
  ({ accountId, programId } = await createAccount(product.http, key));
  // Onboarding writes in the background until both environments are built; from then on only
  // requests change rows, so a refused one must leave them as they were.
  await onboardingClient(product.http).waitForEnvironments(orgId);
});
afterAll(async () => {
  await product?.stop();
});

/** Sends the request and checks it is refused with this status, field and rule, writing nothing. */
async function refused(
  send: () => Promise<HttpResponse>,
  expected: { status?: number; field: string; rule: string },
): Promise<HttpResponse> {
  const before = await databaseFingerprint(product.prisma);
  const response = await send();
  expectProblem(response, expected.status ?? 400);
  expect(response.body.errors).toContainEqual(
    expect.objectContaining({ field: expected.field, rule: expected.rule }),
  );
  expect(await databaseFingerprint(product.prisma)).toBe(before);
  return response;
}

const person = (name: string) => ({
  person: { name, documentNumber: `DOC-${Math.random().toString(36).slice(2, 10)}` },
});

describe('a control character in any text field', () => {
  const nul = 'Acme\u0000Bank';
  const cases: { field: string; send: () => Promise<HttpResponse> }[] = [
    {
      field: 'body.legalName',
      send: () =>
        product.http('POST', '/v1/orgs', {
          key: OPERATOR_KEY,
          json: { ...sampleOrg, legalName: nul },
        }),
    },
    {
      field: 'body.address.line1',
      send: () =>
        product.http('POST', '/v1/orgs', {
          key: OPERATOR_KEY,
          json: { ...sampleOrg, address: { ...sampleOrg.address, line1: nul } },
        }),
    },
    {
      field: 'body.name',
      send: () =>
        product.http('POST', '/v1/programs', {
          key,
          json: { name: nul, type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
        }),
    },
    {
      field: 'body.description',
      send: () =>
        product.http('POST', '/v1/account-status-reasons', {
          key,
          json: { code: 'NUL_TEST', description: nul },
        }),
    },
    {
      field: 'body.description',
      send: () =>
        product.http('PATCH', `/v1/accounts/${accountId}/status`, {
          key,
          json: { status: 'BLOCKED', description: nul },
        }),
    },
    {
      field: 'body.owner.person.name',
      send: () =>
        product.http('POST', '/v1/accounts', { key, json: { programId, owner: person(nul) } }),
    },
    {
      field: 'body.customer.company.legalName',
      send: () =>
        product.http('POST', `/v1/accounts/${accountId}/customers`, {
          key,
          json: { customer: { company: { legalName: nul, documentNumber: 'CNPJ-NUL-1' } } },
        }),
    },
    {
      field: 'body.applicant.person.name',
      send: () =>
        product.http('POST', '/v1/account-applications', {
          key,
          json: { programId, applicant: person(nul), submit: true },
        }),
    },
    {
      field: 'body.applicant.person.addresses.0.city',
      send: () =>
        product.http('POST', '/v1/account-applications', {
          key,
          json: {
            programId,
            applicant: {
              person: {
                name: 'Ana',
                documentNumber: 'ADDR-NUL-1',
                addresses: [
                  {
                    type: 'RESIDENTIAL',
                    line1: 'Rua 1',
                    city: '\u001b[31mRed',
                    postalCode: '1',
                    country: 'BR',
                  },
                ],
              },
            },
          },
        }),
    },
  ];
  for (const { field, send } of cases) {
    it(`is refused in ${field} with rule control_character`, async () => {
      await refused(send, { field, rule: 'control_character' });
    });
  }

  it('also in a query parameter and a path parameter', async () => {
    await refused(
      () => product.http('GET', `/v1/accounts/${accountId}/status-history?after=1%00`, { key }),
      { field: 'query.after', rule: 'control_character' },
    );
    await refused(() => product.http('GET', '/v1/accounts/%00', { key }), {
      field: 'params.accountId',
      rule: 'control_character',
    });
  });

  it('allows line breaks in free text but not in a single-line field', async () => {
    await refused(
      () =>
        product.http('POST', '/v1/programs', {
          key,
          json: { name: 'Gold\nPlus', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
        }),
      {
        field: 'body.name',
        rule: 'control_character',
      },
    );
    const reason = await product.http('POST', '/v1/account-status-reasons', {
      key,
      json: { code: 'MULTI_LINE', description: 'First line\nsecond line' },
    });
    expect(reason.status).toBe(201);
    expect(reason.body.description).toBe('First line\nsecond line');
  });
});

describe('malformed encodings', () => {
  const program = { name: 'Encoded', type: 'PREPAID', cardNetwork: 'VISA', currency: 'USD' };
  async function postRaw(body: Buffer, encoding: string) {
    const response = await fetch(`${product.baseUrl}/v1/programs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'content-encoding': encoding,
      },
      body,
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined,
    };
  }

  it('refuses a body that is not the gzip or br it claims to be', async () => {
    for (const encoding of ['gzip', 'br', 'deflate']) {
      await refused(() => postRaw(Buffer.from('{"name":"not compressed"}'), encoding), {
        field: 'body',
        rule: 'malformed_encoding',
      });
    }
  });

  it('accepts a body that is valid gzip or br', async () => {
    const gzipped = await postRaw(gzipSync(JSON.stringify(program)), 'gzip');
    expect(gzipped.status).toBe(201);
    const brotli = await postRaw(
      brotliCompressSync(JSON.stringify({ ...program, name: 'Encoded br' })),
      'br',
    );
    expect(brotli.status).toBe(201);
  });

  it('refuses an unknown content encoding with 415', async () => {
    await refused(() => postRaw(Buffer.from('{}'), 'compress'), {
      status: 415,
      field: 'headers.content-encoding',
      rule: 'unsupported_encoding',
    });
  });

  it('refuses a path with broken percent-encoding and text with a lone surrogate', async () => {
    await refused(() => product.http('GET', '/v1/accounts/%E0%A4%A', { key }), {
      field: 'params',
      rule: 'malformed_encoding',
    });
    await refused(
      () =>
        product.http('POST', '/v1/programs', {
          key,
          raw: '{"name":"Half \\ud800 pair","type":"PREPAID","cardNetwork":"VISA","currency":"BRL"}',
          headers: { 'content-type': 'application/json' },
        }),
      { field: 'body.name', rule: 'invalid_unicode' },
    );
  });
});

describe('every rule has its own name', () => {
  const status = (json: unknown) => () =>
    product.http('PATCH', `/v1/accounts/${accountId}/status`, { key, json });

  it('required: a field that is absent', async () => {
    await refused(status({ description: 'no status' }), { field: 'body.status', rule: 'required' });
  });

  it('invalid_type: a field present with the wrong type, in the body or the query', async () => {
    await refused(status({ status: 'BLOCKED', reasonId: 42 }), {
      field: 'body.reasonId',
      rule: 'invalid_type',
    });
    await refused(
      () => product.http('GET', `/v1/accounts/${accountId}/status-history?limit=banana`, { key }),
      { field: 'query.limit', rule: 'invalid_type' },
    );
    await refused(
      () =>
        product.http('POST', '/v1/programs', {
          key,
          json: {
            name: 'Typed',
            type: 'PREPAID',
            cardNetwork: 'VISA',
            currency: 'BRL',
            dueDays: 'all',
          },
        }),
      {
        field: 'body.dueDays',
        rule: 'invalid_type',
      },
    );
  });

  it('invalid_value: not one of the allowed values', async () => {
    await refused(status({ status: 'FROZEN' }), { field: 'body.status', rule: 'invalid_value' });
    await refused(
      () =>
        product.http('POST', '/v1/programs', {
          key,
          json: { name: 'Money', type: 'PREPAID', cardNetwork: 'VISA', currency: 'XYZ' },
        }),
      {
        field: 'body.currency',
        rule: 'invalid_value',
      },
    );
  });

  it('invalid_uuid, invalid_email, invalid_format and invalid_datetime', async () => {
    await refused(status({ status: 'BLOCKED', reasonId: 'not-a-uuid' }), {
      field: 'body.reasonId',
      rule: 'invalid_uuid',
    });
    await refused(
      () =>
        product.http('POST', '/v1/accounts', {
          key,
          json: {
            programId,
            owner: {
              person: {
                name: 'Ana',
                documentNumber: 'MAIL-1',
                contacts: [{ type: 'EMAIL', value: 'not-an-address' }],
              },
            },
          },
        }),
      { field: 'body.owner.person.contacts.0.value', rule: 'invalid_email' },
    );
    await refused(
      () =>
        product.http('POST', '/v1/account-status-reasons', {
          key,
          json: { code: 'lower case', description: 'x' },
        }),
      {
        field: 'body.code',
        rule: 'invalid_format',
      },
    );
    await refused(status({ status: 'BLOCKED', until: 'tomorrow' }), {
      field: 'body.until',
      rule: 'invalid_datetime',
    });
  });

  it('too_short, too_long, too_few, too_many, too_small and too_big', async () => {
    await refused(
      () =>
        product.http('POST', '/v1/programs', {
          key,
          json: { name: '   ', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
        }),
      {
        field: 'body.name',
        rule: 'too_short',
      },
    );
    await refused(
      () =>
        product.http('POST', '/v1/programs', {
          key,
          json: { name: 'x'.repeat(101), type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
        }),
      {
        field: 'body.name',
        rule: 'too_long',
      },
    );
    const credit = {
      name: 'Credit',
      type: 'CREDIT',
      cardNetwork: 'VISA',
      currency: 'BRL',
      defaultCreditLimit: 1000,
    };
    await refused(
      () => product.http('POST', '/v1/programs', { key, json: { ...credit, dueDays: [] } }),
      { field: 'body.dueDays', rule: 'too_few' },
    );
    await refused(
      () =>
        product.http('POST', '/v1/programs', {
          key,
          json: { ...credit, dueDays: Array.from({ length: 29 }, (_, i) => i + 1) },
        }),
      {
        field: 'body.dueDays',
        rule: 'too_many',
      },
    );
    await refused(
      () =>
        product.http('POST', `/v1/accounts/${accountId}/transactions`, {
          key,
          json: { type: 'CASH_IN', amount: 0, currency: 'BRL' },
        }),
      {
        field: 'body.amount',
        rule: 'too_small',
      },
    );
    await refused(
      () =>
        product.http('POST', `/v1/accounts/${accountId}/transactions`, {
          key,
          json: { type: 'CASH_IN', amount: 2 ** 53 + 2, currency: 'BRL' },
        }),
      {
        field: 'body.amount',
        rule: 'too_big',
      },
    );
  });

  it('unknown_field: in the body and in the query of a route that takes none', async () => {
    await refused(status({ status: 'BLOCKED', colour: 'red' }), {
      field: 'body.colour',
      rule: 'unknown_field',
    });
    await refused(() => product.http('GET', '/v1/programs?sort=name', { key }), {
      field: 'query.sort',
      rule: 'unknown_field',
    });
  });

  it('invalid_union: a holder that is neither a person nor a company; the meant shape names its own fields', async () => {
    const expectedShapes =
      'must be an object with exactly one of "person" (requires name, documentNumber) or "company" (requires legalName, documentNumber)';
    const wrongShapes = [
      { robot: { name: 'R2' } },
      'Maria',
      { name: 'Maria', documentNumber: '123.456.789-09' },
      {
        person: { name: 'A', documentNumber: 'P-001' },
        company: { legalName: 'B', documentNumber: 'C-001' },
      },
    ];
    for (const owner of wrongShapes) {
      const response = await refused(
        () => product.http('POST', '/v1/accounts', { key, json: { programId, owner } }),
        { field: 'body.owner', rule: 'invalid_union' },
      );
      expect(response.body.errors).toEqual([
        { field: 'body.owner', rule: 'invalid_union', message: expectedShapes },
      ]);
      expect(response.body.detail).toBe(`body.owner: ${expectedShapes}`);
    }
    await refused(
      () =>
        product.http('POST', '/v1/accounts', {
          key,
          json: { programId, owner: { person: { documentNumber: 'NONAME-1' } } },
        }),
      {
        field: 'body.owner.person.name',
        rule: 'required',
      },
    );
  });

  it('too_deep: nesting deeper than any request of the API', async () => {
    const deep = `{"name":${'['.repeat(20_000)}"leaf"${']'.repeat(20_000)}}`;
    await refused(
      () =>
        product.http('POST', '/v1/programs', {
          key,
          raw: deep,
          headers: { 'content-type': 'application/json' },
        }),
      {
        field: 'body.name.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0',
        rule: 'too_deep',
      },
    );
  });

  it('no_fields: a PATCH that changes nothing', async () => {
    await refused(() => product.http('PATCH', '/v1/settings', { key, json: {} }), {
      field: 'body',
      rule: 'no_fields',
    });
    const draft = await product.http('POST', '/v1/account-applications', {
      key,
      json: { programId },
    });
    expect(draft.status).toBe(201);
    await refused(
      () => product.http('PATCH', `/v1/account-applications/${draft.body.id}`, { key, json: {} }),
      { field: 'body', rule: 'no_fields' },
    );
  });
});

describe('methods', () => {
  it('answers a method a route does not have with 405 and the methods it has', async () => {
    const response = await product.http('DELETE', '/v1/programs', { key });
    expectProblem(response, 405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    const put = await product.http('PUT', `/v1/accounts/${accountId}`, { key });
    expectProblem(put, 405);
    expect(response.body.allow).toEqual(['GET', 'HEAD', 'POST']);
    expectProblem(await product.http('DELETE', '/v1/no-such-thing', { key }), 404);
  });
});

describe('what the HTTP parser refuses before any route runs', () => {
  it('answers a header or a query too large with 431 problem+json', async () => {
    for (const response of [
      await product.http('GET', '/v1/accounts', {
        key,
        headers: { 'x-padding': 'a'.repeat(20_000) },
      }),
      await product.http('GET', `/v1/accounts?customerDocument=${'a'.repeat(20_000)}`, { key }),
    ]) {
      expectProblem(response, 431);
      expect(response.body).toMatchObject({
        type: '/problems/request-headers-too-large',
        title: 'Request header fields too large',
        detail: expect.stringMatching(/larger than/),
        instance: '/v1/accounts',
      });
    }
  });

  it('answers bytes that are no HTTP request with 400 problem+json', async () => {
    const { hostname, port } = new URL(product.baseUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () =>
        socket.end('HELLO\x01 there\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(body)).toMatchObject({
      type: '/problems/validation',
      status: 400,
      errors: [{ field: 'request', rule: 'malformed_request' }],
    });
  });
});
