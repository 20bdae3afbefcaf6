import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import {
  OPERATOR_KEY,
  eventually,
  sampleOrg,
  startTestProduct,
  type TestProduct,
  expectProblem,
} from '../support/harness.js';

let product: TestProduct;

beforeAll(async () => {
  product = await startTestProduct();
});
afterAll(async () => {
  await product?.stop();
});

async function createOrg(body: unknown = sampleOrg, headers: Record<string, string> = {}) {
  return product.http('POST', '/v1/orgs', { key: OPERATOR_KEY, json: body, headers });
}

async function orgCount() {
  return product.prisma.org.count();
}

describe('POST /v1/orgs', () => {
  it('stores the org with a test environment and key, and starts its onboarding workflow under its OrgId', async () => {
    const created = await createOrg();
    expect(created.status).toBe(201);
    const { org, apiKey, onboarding } = created.body;
    expect(created.headers.get('location')).toBe(`/v1/orgs/${org.id}`);
    expect(org).toMatchObject({
      legalName: sampleOrg.legalName,
      address: sampleOrg.address,
      timeZone: 'America/Sao_Paulo',
      status: 'ONBOARDING',
      networks: ['VISA', 'MASTERCARD'],
      environments: [{ kind: 'TEST' }],
    });
    expect(apiKey.token).toMatch(/^cie_test_/);
    expect(onboarding.workflowId).toBe(workflowIds.orgOnboarding(org.id));

    const stored = await product.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(stored.secretHash).not.toContain(apiKey.token.split('_').at(-1));

    const description = await product.temporal.workflow.getHandle(onboarding.workflowId).describe();
    expect(description.searchAttributes.OrgId).toEqual([org.id]);
    // What the Web UI does when filtering by the OrgId search attribute
    const listed = await eventually(async () => {
      const ids: string[] = [];
      for await (const run of product.temporal.workflow.list({ query: `OrgId = '${org.id}'` }))
        ids.push(run.workflowId);
      return ids.includes(onboarding.workflowId) ? ids : undefined;
    });
    expect(listed).toContain(onboarding.workflowId);
  });

  it('replays the first response for a retried Idempotency-Key and refuses the key for another body', async () => {
    const before = await orgCount();
    const first = await createOrg(sampleOrg, { 'Idempotency-Key': 'create-acme-1' });
    const retry = await createOrg({ ...sampleOrg }, { 'Idempotency-Key': 'create-acme-1' });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.body.org.id).toBe(first.body.org.id);
    expect(await orgCount()).toBe(before + 1);

    const reused = await createOrg(
      { ...sampleOrg, legalName: 'Other' },
      { 'Idempotency-Key': 'create-acme-1' },
    );
    expectProblem(reused, 422);
    expect(await orgCount()).toBe(before + 1);
  });

  it('executes concurrent requests with one Idempotency-Key once', async () => {
    const before = await orgCount();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        createOrg(sampleOrg, { 'Idempotency-Key': 'create-acme-concurrent' }),
      ),
    );
    for (const response of responses) expect([201, 409]).toContain(response.status);
    const ids = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.org.id));
    expect(ids.size).toBe(1);
    expect(await orgCount()).toBe(before + 1);
  });
});

describe('bad input to POST /v1/orgs is a 4xx problem and writes nothing', () => {
  const cases: {
    name: string;
    status: number;
    field?: string;
    rule?: string;
    send: () => ReturnType<typeof createOrg>;
  }[] = [
    {
      name: 'malformed JSON',
      status: 400,
      field: 'body',
      rule: 'malformed_json',
      send: () =>
        product.http('POST', '/v1/orgs', {
          key: OPERATOR_KEY,
          raw: '{"legalName":',
          headers: { 'content-type': 'application/json' },
        }),
    },
    {
      name: 'an unknown field',
      status: 400,
      field: 'body.address.planet',
      rule: 'unknown_field',
      send: () => createOrg({ ...sampleOrg, address: { ...sampleOrg.address, planet: 'Mars' } }),
    },
    {
      name: 'a time zone that is not IANA',
      status: 400,
      field: 'body.timeZone',
      rule: 'invalid_time_zone',
      send: () => createOrg({ ...sampleOrg, timeZone: 'Mars/Olympus_Mons' }),
    },
    {
      name: 'a UTC offset instead of a zone name',
      status: 400,
      field: 'body.timeZone',
      rule: 'invalid_time_zone',
      send: () => createOrg({ ...sampleOrg, timeZone: '+05:00' }),
    },
    {
      name: 'an unknown card network',
      status: 400,
      field: 'body.networks.0',
      rule: 'invalid_value',
      send: () => createOrg({ ...sampleOrg, networks: ['AMEX'] }),
    },
    {
      name: 'a network named twice',
      status: 400,
      field: 'body.networks',
      rule: 'unique',
      send: () => createOrg({ ...sampleOrg, networks: ['VISA', 'VISA'] }),
    },
    {
      name: 'no network to certify with',
      status: 400,
      field: 'body.networks',
      rule: 'too_few',
      send: () => createOrg({ ...sampleOrg, networks: [] }),
    },
    {
      name: 'a missing legal name',
      status: 400,
      field: 'body.legalName',
      rule: 'required',
      send: () => createOrg({ address: sampleOrg.address, timeZone: sampleOrg.timeZone }),
    },
    {
      name: 'a body that is not JSON',
      status: 415,
      field: 'headers.content-type',
      send: () =>
        product.http('POST', '/v1/orgs', {
          key: OPERATOR_KEY,
          raw: 'legalName=Acme',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
    },
    {
      name: 'an oversized body',
      status: 413,
      field: 'body',
      rule: 'max_bytes',
      send: () => createOrg({ ...sampleOrg, legalName: 'x'.repeat(200_000) }),
    },
    {
      name: 'no API key',
      status: 401,
      send: () => product.http('POST', '/v1/orgs', { json: sampleOrg }),
    },
    {
      name: 'a wrong API key',
      status: 401,
      send: () =>
        product.http('POST', '/v1/orgs', {
          key: 'cie_test_0000000000000000_' + '0'.repeat(64),
          json: sampleOrg,
        }),
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, async () => {
      const before = await orgCount();
      const response = await testCase.send();
      expectProblem(response, testCase.status);
      if (testCase.field) {
        expect(response.body.errors).toContainEqual(
          expect.objectContaining({
            field: testCase.field,
            ...(testCase.rule ? { rule: testCase.rule } : {}),
          }),
        );
      }
      expect(await orgCount()).toBe(before);
    });
  }
});

describe('tenancy', () => {
  it("lets an org key see its own org, answers 404 for another org's, and 403 for operator routes", async () => {
    const a = (await createOrg()).body;
    const b = (await createOrg({ ...sampleOrg, legalName: 'Beta' })).body;

    const own = await product.http('GET', `/v1/orgs/${a.org.id}`, { key: a.apiKey.token });
    expect(own.status).toBe(200);
    expect(own.body.id).toBe(a.org.id);

    const foreign = await product.http('GET', `/v1/orgs/${b.org.id}`, { key: a.apiKey.token });
    expectProblem(foreign, 404);
    expect(JSON.stringify(foreign.body)).not.toContain('Beta');

    const missing = await product.http('GET', `/v1/orgs/${crypto.randomUUID()}`, {
      key: OPERATOR_KEY,
    });
    expectProblem(missing, 404);
    expect(foreign.body.type).toBe(missing.body.type);

    const before = await orgCount();
    const forbidden = await product.http('POST', '/v1/orgs', {
      key: a.apiKey.token,
      json: sampleOrg,
    });
    expectProblem(forbidden, 403);
    const event = await product.http('POST', `/v1/orgs/${a.org.id}/onboarding/events`, {
      key: a.apiKey.token,
      json: { type: 'SERVICE_DESK_ACCESS_GRANTED' },
    });
    expectProblem(event, 403);
    expect(await orgCount()).toBe(before);
  });

  it('rejects a malformed org id with a problem naming the parameter', async () => {
    const response = await product.http('GET', '/v1/orgs/not-a-uuid', { key: OPERATOR_KEY });
    expectProblem(response, 400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ field: 'params.orgId' }));
  });
});

describe('every response', () => {
  it('carries a request id, echoing a well-formed one the client sent', async () => {
    const echoed = await product.http('GET', '/healthz', {
      headers: { 'x-request-id': 'client-abc.123' },
    });
    expect(echoed.headers.get('x-request-id')).toBe('client-abc.123');
    const generated = await product.http('GET', '/healthz', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with a 404 problem', async () => {
    expectProblem(await product.http('GET', '/v1/nothing-here'), 404);
  });
});
