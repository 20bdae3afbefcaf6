import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import {
  OPERATOR_KEY,
  createAccount,
  createOrgWithKey,
  eventually,
  expectProblem,
  sampleOrg,
  startTestProduct,
  type HttpResponse,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';

// A creating request that died after its write committed but before its response was stored
// (the product killed in between) leaves an unfinished claim. Once the claim's lease has run out,
// the client's retry with the same Idempotency-Key must reach what the first attempt made and
// answer as it would have, never make a second one, never refuse its own work.

let product: TestProduct;
let orgId: string;
let key: string;

beforeAll(async () => {
  product = await startTestProduct();
  ({ orgId, key } = await createOrgWithKey(product.http, 'Retry Bank', ['VISA']));
  await onboardingClient(product.http).waitForEnvironments(orgId);
});
afterAll(async () => {
  await product?.stop();
});

/** The claim as a crash leaves it: the write made, no response stored, its lease run out. */
async function crashAfterCommit(idempotencyKey: string) {
  const rewound = await product.prisma.idempotencyRecord.updateMany({
    where: { key: idempotencyKey },
    data: {
      completedAt: null,
      responseStatus: null,
      responseBody: undefined,
      responseHeaders: undefined,
      leaseExpiresAt: new Date(Date.now() - 1_000),
    },
  });
  expect(rewound.count).toBe(1);
}

/** Sends once, then again as a client would after a crash in between; both answers are returned. */
async function sendAndRetryAfterCrash(
  method: string,
  path: string,
  json: unknown,
  authKey: string,
  headers: Record<string, string> = {},
) {
  const idempotencyKey = `crash-${randomUUID()}`;
  const send = () =>
    product.http(method, path, {
      key: authKey,
      json,
      headers: { 'Idempotency-Key': idempotencyKey, ...headers },
    });
  const first = await send();
  expect(first.status, JSON.stringify(first.body)).toBeLessThan(300);
  await crashAfterCommit(idempotencyKey);
  const retry = await send();
  expect(retry.status, JSON.stringify(retry.body)).toBe(first.status);
  expect(retry.headers.get('idempotent-replayed')).toBeNull();
  return { first, retry, idempotencyKey };
}

const program = { type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' };

describe('a retry after a crash between the write and the stored response', () => {
  it('POST /v1/orgs: the same org, its onboarding and the same test key, which works; the stored answer holds no key in clear', async () => {
    const legalName = `Crash Org ${randomUUID()}`;
    const { first, retry, idempotencyKey } = await sendAndRetryAfterCrash(
      'POST',
      '/v1/orgs',
      { ...sampleOrg, legalName },
      OPERATOR_KEY,
    );
    expect(retry.body.org.id).toBe(first.body.org.id);
    expect(retry.body.apiKey).toEqual(first.body.apiKey);
    expect(retry.body.onboarding).toEqual(first.body.onboarding);
    expect(await product.prisma.org.count({ where: { legalName } })).toBe(1);
    expect(
      (await product.http('GET', `/v1/orgs/${first.body.org.id}`, { key: retry.body.apiKey.token }))
        .status,
    ).toBe(200);

    const replayed = await product.http('POST', '/v1/orgs', {
      key: OPERATOR_KEY,
      json: { ...sampleOrg, legalName },
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body.apiKey.token).toBe(first.body.apiKey.token);
    const stored = await product.prisma.idempotencyRecord.findFirstOrThrow({
      where: { key: idempotencyKey },
    });
    expect(JSON.stringify(stored.responseBody)).not.toContain(
      first.body.apiKey.token.split('_').at(-1),
    );
  });

  it('POST /v1/orgs/:orgId/api-keys: the same key, once', async () => {
    const { first, retry } = await sendAndRetryAfterCrash(
      'POST',
      `/v1/orgs/${orgId}/api-keys`,
      { environment: 'TEST', name: 'ci' },
      OPERATOR_KEY,
    );
    expect(retry.body).toEqual(first.body);
    expect(await product.prisma.apiKey.count({ where: { orgId, name: 'ci' } })).toBe(1);
    expect((await product.http('GET', '/v1/programs', { key: retry.body.token })).status).toBe(200);
  });

  it('POST /v1/webhook-endpoints: the same endpoint and secret, once, with its delivery run; the stored answer holds no secret in clear', async () => {
    const { first, retry, idempotencyKey } = await sendAndRetryAfterCrash(
      'POST',
      '/v1/webhook-endpoints',
      { url: 'https://hooks.example/retried' },
      key,
    );
    expect(retry.body).toEqual(first.body);
    expect(
      await product.prisma.webhookEndpoint.count({
        where: { orgId, url: 'https://hooks.example/retried' },
      }),
    ).toBe(1);
    const run = await product.temporal.workflow
      .getHandle(workflowIds.webhookEndpointDelivery(first.body.id))
      .describe();
    expect(run.status.name).toBe('RUNNING');
    const stored = await product.prisma.idempotencyRecord.findFirstOrThrow({
      where: { key: idempotencyKey },
    });
    expect(JSON.stringify(stored.responseBody)).not.toContain(first.body.secret);
  });

  it('POST /v1/programs and /v1/account-status-reasons: the same row, not a name conflict with itself', async () => {
    const programs = await sendAndRetryAfterCrash(
      'POST',
      '/v1/programs',
      { ...program, name: 'Crash Gold' },
      key,
    );
    expect(programs.retry.body).toEqual(programs.first.body);
    const reasons = await sendAndRetryAfterCrash(
      'POST',
      '/v1/account-status-reasons',
      { code: 'CRASH_TEST', description: 'x' },
      key,
    );
    expect(reasons.retry.body).toEqual(reasons.first.body);
  });

  it('POST /v1/accounts and /v1/accounts/:id/customers: one account, one link, no conflict with itself', async () => {
    const { programId } = await createAccount(product.http, key);
    const document = `CRASH-${randomUUID().slice(0, 8)}`;
    const accounts = await sendAndRetryAfterCrash(
      'POST',
      '/v1/accounts',
      { programId, owner: { person: { name: 'Ana', documentNumber: document } } },
      key,
    );
    expect(accounts.retry.body.id).toBe(accounts.first.body.id);
    expect(
      await product.prisma.accountCustomer.count({
        where: { customer: { documentNumber: document } },
      }),
    ).toBe(1);

    const accountId = accounts.first.body.id;
    const joint = await sendAndRetryAfterCrash(
      'POST',
      `/v1/accounts/${accountId}/customers`,
      { customer: { person: { name: 'Bia', documentNumber: `${document}-2` } } },
      key,
    );
    expect(joint.retry.body).toEqual(joint.first.body);
    expect(await product.prisma.accountCustomer.count({ where: { accountId } })).toBe(2);
  });

  it('POST /v1/accounts/:id/transactions: the money moves once', async () => {
    const { accountId } = await createAccount(product.http, key);
    const { first, retry } = await sendAndRetryAfterCrash(
      'POST',
      `/v1/accounts/${accountId}/transactions`,
      { type: 'CASH_IN', amount: 1_234, currency: 'BRL' },
      key,
    );
    expect(retry.body.transaction).toEqual(first.body.transaction);
    expect(await product.prisma.accountTransaction.count({ where: { accountId } })).toBe(1);
    expect((await product.http('GET', `/v1/accounts/${accountId}`, { key })).body.balance).toBe(
      1_234,
    );
  });

  it('POST /v1/account-applications: one application, one account', async () => {
    const { programId } = await createAccount(product.http, key);
    const document = `APP-${randomUUID().slice(0, 8)}`;
    const { first, retry } = await sendAndRetryAfterCrash(
      'POST',
      '/v1/account-applications',
      { programId, applicant: { person: { name: 'Eva', documentNumber: document } }, submit: true },
      key,
    );
    expect(retry.body.id).toBe(first.body.id);
    const created = await eventually(async () => {
      const application = await product.http('GET', `/v1/account-applications/${first.body.id}`, {
        key,
      });
      return application.body.status === 'ACCOUNT_CREATED' ? application.body : undefined;
    });
    expect(
      await product.prisma.account.count({
        where: { customers: { some: { customer: { documentNumber: document } } } },
      }),
    ).toBe(1);
    expect(created.accountId).toEqual(expect.any(String));
  });

  it('POST /v1/accounts/:id/program-migrations with If-Match: the migration that happened, not a 412', async () => {
    const { accountId } = await createAccount(product.http, key);
    const target = await product.http('POST', '/v1/programs', {
      key,
      json: { ...program, name: `Target ${randomUUID()}` },
    });
    const { version } = (await product.http('GET', `/v1/accounts/${accountId}`, { key })).body;
    const { first, retry } = await sendAndRetryAfterCrash(
      'POST',
      `/v1/accounts/${accountId}/program-migrations`,
      { targetProgramId: target.body.id },
      key,
      { 'If-Match': `"v${version}"` },
    );
    expect(first.body.migration.changed).toBe(true);
    expect(retry.body.migration).toEqual(first.body.migration);
    expect(
      await product.prisma.accountEvent.count({ where: { accountId, kind: 'PROGRAM_MIGRATION' } }),
    ).toBe(1);
  });

  it('POST /v1/orgs/:orgId/onboarding/events: the event taken once, answered as it was, not refused as a repeat', async () => {
    const { first, retry } = await sendAndRetryAfterCrash(
      'POST',
      `/v1/orgs/${orgId}/onboarding/events`,
      { type: 'KICKOFF_HELD', network: 'VISA', notes: 'call' },
      OPERATOR_KEY,
    );
    expect(first.body.state.stage).toBe('testPlanning');
    expect(retry.body).toEqual(first.body);
    const overview = await onboardingClient(product.http).get(orgId);
    const visa = overview.processes.find((p) => p.network === 'VISA')!;
    expect(visa.details!.history.map((h: { event: string }) => h.event)).toEqual(['KICKOFF_HELD']);
  });

  it('PATCH /v1/account-applications/:id and POST …/submit: the changes appended once, submitted once', async () => {
    const { programId } = await createAccount(product.http, key);
    const draft = await product.http('POST', '/v1/account-applications', {
      key,
      json: { programId, applicant: { person: { name: 'Ivo', documentNumber: 'IVO-1' } } },
    });
    expect(draft.status).toBe(201);
    const address = { type: 'MAILING', line1: 'R 2', city: 'SP', postalCode: '2', country: 'BR' };
    const { first, retry } = await sendAndRetryAfterCrash(
      'PATCH',
      `/v1/account-applications/${draft.body.id}`,
      { applicant: { person: { name: 'Ivo', documentNumber: 'IVO-1', addresses: [address] } } },
      key,
    );
    expect(retry.body).toEqual(first.body);
    expect(retry.body.applicant.person.addresses).toEqual([address]);
    const submitted = await sendAndRetryAfterCrash(
      'POST',
      `/v1/account-applications/${draft.body.id}/submit`,
      undefined,
      key,
    );
    // Processing may have moved on by the retry; the draft was updated and submitted once each.
    const events = submitted.retry.body.history.map((h: { event: string }) => h.event);
    expect(events.slice(0, 2)).toEqual(['UPDATE', 'SUBMIT']);
    expect(events.filter((e: string) => e === 'SUBMIT' || e === 'UPDATE')).toHaveLength(2);
  });

  it('POST /v1/orgs/:orgId/workflows: the run it started, not a conflict with itself', async () => {
    const { first, retry } = await sendAndRetryAfterCrash(
      'POST',
      `/v1/orgs/${orgId}/workflows`,
      { type: 'networkCertification', network: 'MASTERCARD' },
      OPERATOR_KEY,
    );
    expect(retry.body).toEqual(first.body);
    expectProblem(
      await product.http('POST', `/v1/orgs/${orgId}/workflows`, {
        key: OPERATOR_KEY,
        json: { type: 'networkCertification', network: 'MASTERCARD' },
      }),
      409,
    );
  });
});

describe('claims', () => {
  it('answer 409 while the first request still holds its lease, and the request runs once', async () => {
    const idempotencyKey = `held-${randomUUID()}`;
    const json = { ...program, name: `Held ${randomUUID()}` };
    const first = await product.http('POST', '/v1/programs', {
      key,
      json,
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    expect(first.status).toBe(201);
    await product.prisma.idempotencyRecord.updateMany({
      where: { key: idempotencyKey },
      data: {
        completedAt: null,
        responseStatus: null,
        leaseExpiresAt: new Date(Date.now() + 60_000),
      },
    });
    const retry: HttpResponse = await product.http('POST', '/v1/programs', {
      key,
      json,
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    expectProblem(retry, 409);
    expect(retry.body.type).toBe('/problems/idempotency-key-in-progress');
  });
});

describe('a retried activity', () => {
  it('finds its own migration made before checking If-Match', async () => {
    const { accountId } = await createAccount(product.http, key);
    const target = await product.http('POST', '/v1/programs', {
      key,
      json: { ...program, name: `Activity ${randomUUID()}` },
    });
    const account = await product.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    const activities = product.parts.activities;
    const input = {
      orgId: account.orgId,
      environmentId: account.environmentId,
      accountId,
      targetProgramId: target.body.id as string,
      expectedVersion: account.version,
      actor: 'test',
      operationId: randomUUID(),
    };
    const first = await activities.migrateAccountProgram(input);
    // The commit landed but Temporal never heard: the same activity runs again
    expect(await activities.migrateAccountProgram(input)).toEqual(first);
    expect(first).toMatchObject({ changed: true, version: account.version + 1 });
  });
});
