import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import {
  OPERATOR_KEY,
  createAccount,
  createOrgWithKey,
  databaseFingerprint,
  eventually,
  startTestProduct,
  type HttpResponse,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';
import {
  asHttpRequest,
  createArbitraries,
  type GeneratedRequest,
  type OpenApiDocument,
  type Operation,
} from '../support/openapi-arbitrary.js';

// Property-based fuzz of every operation in the OpenAPI document, with valid credentials: valid
// requests and requests with one hostile part, generated from the document's schemas (which are
// the zod schemas the server validates with). No answer may be a 5xx, and a refused request may
// not change a single row.

const CASES = Number(process.env.FUZZ_CASES ?? 2_000);
/** Written by the daily snapshot's schedule at 23:59 in an org's zone, whatever the requests do */
const SCHEDULED_TABLES = ['AccountDailyBalance'];

let product: TestProduct;
let document: OpenApiDocument;
let orgId: string;
let key: string;
let hints: Record<string, string[]>;
let foreignIds: string[];

beforeAll(async () => {
  product = await startTestProduct();
  const onboarding = onboardingClient(product.http);
  ({ orgId, key } = await createOrgWithKey(product.http, 'Fuzz Bank', ['VISA', 'MASTERCARD']));
  const other = await createOrgWithKey(product.http, 'Elsewhere Bank', ['VISA']);
  await Promise.all([
    onboarding.waitForEnvironments(orgId),
    onboarding.waitForEnvironments(other.orgId),
  ]);
  const production = await product.http('POST', `/v1/orgs/${orgId}/api-keys`, {
    key: OPERATOR_KEY,
    json: { environment: 'PRODUCTION', name: 'fuzz' },
  });
  const mine = await createAccount(product.http, key);
  const second = await createAccount(product.http, key);
  const foreign = await createAccount(product.http, other.key);
  const otherEnvironment = await createAccount(product.http, production.body.token as string);
  const reason = await product.http('POST', '/v1/account-status-reasons', {
    key,
    json: { code: 'FUZZ', description: 'Fuzzing' },
  });
  const holder = (await product.http('GET', `/v1/accounts/${mine.accountId}`, { key })).body.holder
    .customerId as string;
  const draft = await product.http('POST', '/v1/account-applications', {
    key,
    json: { programId: mine.programId },
  });
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  hints = {
    orgId: [orgId],
    accountId: [mine.accountId, second.accountId],
    parentAccountId: [second.accountId],
    programId: [mine.programId],
    targetProgramId: [mine.programId],
    customerId: [holder],
    reasonId: [reason.body.id],
    applicationId: [draft.body.id],
    workflowId: [
      workflowIds.orgOnboarding(orgId),
      workflowIds.networkCertification(orgId, 'VISA'),
      workflowIds.accountApplication(draft.body.id),
    ],
    updateName: [
      'sendOrgOnboardingEvent',
      'sendCertificationEvent',
      'sendEnvironmentProvisioningEvent',
      'submitApplication',
      'cancelApplication',
    ],
    queryName: ['getOrgOnboarding', 'getCertification', 'getApplication'],
    timeZone: ['America/Sao_Paulo', 'UTC', 'Asia/Tokyo'],
    date: [yesterday],
  };
  foreignIds = [
    other.orgId,
    foreign.accountId,
    foreign.programId,
    otherEnvironment.accountId,
    otherEnvironment.programId,
  ];
  document = (await product.http('GET', '/openapi.json')).body;
}, 240_000);

afterAll(async () => {
  await product?.stop();
});

/** The key an operation takes: the operator's, or the org's test environment key. */
function keyFor(operation: Operation, pickOperator: boolean): string | undefined {
  const schemes = new Set(
    (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)),
  );
  if (schemes.size === 0) return undefined;
  if (schemes.has('operatorKey') && (!schemes.has('orgKey') || pickOperator)) return OPERATOR_KEY;
  return key;
}

async function send(request: GeneratedRequest, authKey: string | undefined): Promise<HttpResponse> {
  const { method, path, options } = asHttpRequest(request, authKey);
  return product.http(method, path, options);
}

const applicationSettled = async (applicationId: string) =>
  eventually(async () => {
    const application = await product.http('GET', `/v1/account-applications/${applicationId}`, {
      key,
    });
    return ['SUBMITTED', 'PROCESSING'].includes(application.body?.status) ? undefined : true;
  });

/** An org's onboarding has no automatic step under way: no environment building, not activating. */
const onboardingSettled = async (org: string) =>
  eventually(async () => {
    const overview = (
      await product.http('GET', `/v1/orgs/${org}/onboarding`, { key: OPERATOR_KEY })
    ).body;
    const building = overview?.processes?.some(
      (p: { environment?: string; stage: string }) =>
        p.environment && ['provisioning', 'verifying'].includes(p.stage),
    );
    return overview && overview.stage !== 'activating' && !building ? true : undefined;
  });

/** Waits for the background work an accepted write started, so the next comparison is exact. */
async function settle(request: GeneratedRequest, response: HttpResponse): Promise<void> {
  const params = request.path.split('/');
  if (request.route === '/v1/orgs' && request.method === 'POST') {
    await onboardingClient(product.http).waitForEnvironments(response.body.org.id);
  } else if (request.route === '/v1/account-applications' && request.method === 'POST') {
    await applicationSettled(response.body.id);
  } else if (request.route === '/v1/account-applications/{applicationId}/submit') {
    await applicationSettled(params[3]!);
  } else if (request.route.startsWith('/v1/orgs/{orgId}/')) {
    const workflowId = decodeURIComponent(params[5] ?? '');
    if (workflowId.startsWith('account-application-'))
      await applicationSettled(workflowId.slice('account-application-'.length));
    await onboardingSettled(decodeURIComponent(params[3]!));
  }
}

describe(`${CASES} generated requests over every operation of the OpenAPI document`, () => {
  it('never answer 5xx, and no refused one changes a row', async () => {
    const { request } = createArbitraries(document, hints, foreignIds);
    const operations = Object.entries(document.paths).flatMap(([route, item]) =>
      Object.entries(item).map(([method, operation]) => ({ route, method, operation })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const cases = fc.constantFrom(...operations).chain(({ route, method, operation }) =>
      fc
        .tuple(request(route, method, operation), fc.boolean())
        .map(([generated, pickOperator]) => ({
          generated,
          authKey: keyFor(operation, pickOperator),
        })),
    );

    let fingerprint = await databaseFingerprint(product.prisma, { except: SCHEDULED_TABLES });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(cases, async ({ generated, authKey }) => {
        const response = await send(generated, authKey);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const what = `${generated.method} ${generated.path} ${JSON.stringify(generated.body)?.slice(0, 300)} -> ${response.status} ${JSON.stringify(response.body)?.slice(0, 300)}`;
        expect(response.status, what).toBeLessThan(500);
        if (response.status >= 400 || generated.method === 'GET') {
          expect(
            await databaseFingerprint(product.prisma, { except: SCHEDULED_TABLES }),
            `a refused request wrote: ${what}`,
          ).toBe(fingerprint);
        } else {
          await settle(generated, response);
          fingerprint = await databaseFingerprint(product.prisma, { except: SCHEDULED_TABLES });
        }
      }),
      { numRuns: CASES, endOnFailure: true },
    );
    const answered = [...statuses.values()].reduce((sum, n) => sum + n, 0);
    expect(answered).toBeGreaterThanOrEqual(CASES);
    // Both sides were reached: requests the API took and requests it refused
    expect([...statuses.keys()].some((status) => status < 300)).toBe(true);
    expect([...statuses.keys()].some((status) => status >= 400)).toBe(true);
  }, 600_000);
});
