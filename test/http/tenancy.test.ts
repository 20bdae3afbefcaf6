import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import {
  OPERATOR_KEY,
  createOrgWithKey,
  databaseFingerprint,
  eventually,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';
import {
  asHttpRequest,
  createArbitraries,
  type GeneratedRequest,
  type OpenApiDocument,
} from '../support/openapi-arbitrary.js';

// Every operation of the OpenAPI document, its path ids and body references pointing at what
// org A keeps in its test environment, called with another org's key and with A's own production
// key: no answer may show anything of A's test environment that the request did not send itself,
// and no request may change anything.

let product: TestProduct;
let document: OpenApiDocument;
/** Ids and names only A's test environment has */
const secrets: string[] = [];
let hints: Record<string, string[]>;
const callers: Record<string, string> = {};
/** A's test environment */
let environmentId: string;

beforeAll(async () => {
  product = await startTestProduct();
  const a = await createOrgWithKey(product.http, 'Tenant A Pagamentos', ['VISA']);
  const b = await createOrgWithKey(product.http, 'Tenant B Bank', ['VISA']);
  const onboarding = onboardingClient(product.http);
  await Promise.all([
    onboarding.waitForEnvironments(a.orgId),
    onboarding.waitForEnvironments(b.orgId),
  ]);
  const production = await product.http('POST', `/v1/orgs/${a.orgId}/api-keys`, {
    key: OPERATOR_KEY,
    json: { environment: 'PRODUCTION', name: 'live' },
  });
  callers['another org'] = b.key;
  callers["the org's other environment"] = production.body.token;

  const call = async (method: string, path: string, json?: unknown) => {
    const response = await product.http(method, path, { key: a.key, json });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const program = await call('POST', '/v1/programs', {
    name: 'SECRET-PROGRAM-A',
    type: 'CREDIT',
    cardNetwork: 'VISA',
    currency: 'BRL',
    dueDays: [5, 20],
    defaultCreditLimit: 50_000,
  });
  const account = await call('POST', '/v1/accounts', {
    programId: program.id,
    owner: { person: { name: 'SECRET-HOLDER-A', documentNumber: 'SECRET-DOC-A' } },
  });
  const child = await call('POST', '/v1/accounts', {
    programId: program.id,
    owner: { company: { legalName: 'SECRET-COMPANY-A', documentNumber: 'SECRET-CNPJ-A' } },
    parentAccountId: account.id,
  });
  const reason = await call('POST', '/v1/account-status-reasons', {
    code: 'SECRET_REASON_A',
    description: 'SECRET-DESCRIPTION-A',
  });
  await call('POST', `/v1/accounts/${account.id}/transactions`, {
    type: 'CASH_IN',
    amount: 777_001,
    currency: 'BRL',
  });
  await call('PATCH', `/v1/accounts/${child.id}/status`, {
    status: 'BLOCKED',
    reasonId: reason.id,
    description: 'SECRET-BLOCK-A',
  });
  await call('PATCH', '/v1/settings', { statusReasonRequiredFor: ['CANCELLED'] });
  const application = await call('POST', '/v1/account-applications', {
    programId: program.id,
    applicant: { person: { name: 'SECRET-APPLICANT-A', documentNumber: 'SECRET-APP-DOC-A' } },
  });
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  environmentId = (await call('GET', `/v1/orgs/${a.orgId}`)).environments.find(
    (e: { kind: string }) => e.kind === 'TEST',
  ).id as string;
  await product.parts.services.reports.write(a.orgId, yesterday, new Date());
  const applicationRun = workflowIds.accountApplication(application.id);
  await eventually(async () =>
    (await product.http('GET', `/v1/account-applications/${application.id}`, { key: a.key }))
      .status === 200
      ? true
      : undefined,
  );

  // A's test key: listed, revoked or rotated only from its own environment (or by the operator)
  const aTestKey = await product.prisma.apiKey.findFirstOrThrow({
    where: { orgId: a.orgId, environment: { kind: 'TEST' } },
    orderBy: { createdAt: 'asc' },
  });
  secrets.push(aTestKey.id, aTestKey.prefix);

  // The environment ids themselves are the org's to see (GET /v1/orgs/:orgId lists its environments), not data inside one
  secrets.push(
    program.id,
    account.id,
    child.id,
    account.holder.customerId,
    child.holder.customerId,
    reason.id,
    application.id,
    applicationRun,
  );
  secrets.push(
    'SECRET-PROGRAM-A',
    'SECRET-HOLDER-A',
    'SECRET-DOC-A',
    'SECRET-COMPANY-A',
    'SECRET-CNPJ-A',
    'SECRET_REASON_A',
    'SECRET-DESCRIPTION-A',
    'SECRET-BLOCK-A',
    'SECRET-APPLICANT-A',
    '777001',
  );
  hints = {
    orgId: [a.orgId],
    accountId: [account.id, child.id],
    parentAccountId: [account.id],
    programId: [program.id],
    targetProgramId: [program.id],
    customerId: [account.holder.customerId],
    reasonId: [reason.id],
    applicationId: [application.id],
    workflowId: [applicationRun],
    updateName: ['submitApplication', 'cancelApplication'],
    queryName: ['getApplication'],
    timeZone: ['America/Sao_Paulo'],
    date: [yesterday],
    apiKeyId: [aTestKey.id],
  };
  document = (await product.http('GET', '/openapi.json')).body;
}, 240_000);

afterAll(async () => {
  await product?.stop();
});

/** What of A's test environment the answer shows that the request did not send itself. */
function leaked(request: GeneratedRequest, answer: unknown): string[] {
  // The query counts as sent too: a 400 names the request (its `instance`) with its query
  const sent = `${request.path} ${JSON.stringify(request.query)} ${JSON.stringify(request.body ?? '')}`;
  const text = JSON.stringify(answer) ?? '';
  return secrets.filter((secret) => text.includes(secret) && !sent.includes(secret));
}

describe("another org's key and the other environment's key", () => {
  it('see nothing of an environment not theirs on any operation, and change nothing in it', async () => {
    const { request } = createArbitraries(document, hints, []);
    const before = await databaseFingerprint(product.prisma, { environmentId });
    let calls = 0;
    for (const [route, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const schemes = (operation.security ?? []).flatMap((requirement) =>
          Object.keys(requirement),
        );
        if (!schemes.includes('orgKey') && !schemes.includes('operatorKey')) continue;
        const valid = request(route, method, operation).filter((r) => !r.hostile);
        for (const generated of fc.sample(valid, { numRuns: 3, seed: 42 })) {
          for (const [who, key] of Object.entries(callers)) {
            const { method: verb, path, options } = asHttpRequest(generated, key);
            const answer = await product.http(verb, path, options);
            calls += 1;
            const what = `${who}: ${generated.method} ${generated.path} ${JSON.stringify(generated.body ?? '')} -> ${answer.status}`;
            expect(answer.status, what).toBeLessThan(500);
            expect(leaked(generated, answer.body), what).toEqual([]);
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(200);
    // Whatever those keys wrote in their own environments, no row of A's test environment moved.
    expect(await databaseFingerprint(product.prisma, { environmentId })).toBe(before);
  }, 600_000);
});
