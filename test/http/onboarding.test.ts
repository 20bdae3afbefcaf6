import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import { defaultStatusReasons } from '../../machines/status-reasons.js';
import {
  OPERATOR_KEY,
  eventually,
  expectProblem,
  sampleOrg,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient, type Overview } from '../support/onboarding.js';
import { recordTemporalCalls } from '../support/temporal-calls.js';

let product: TestProduct;
let onboarding: ReturnType<typeof onboardingClient>;
const temporal = recordTemporalCalls();

beforeAll(async () => {
  product = await startTestProduct(undefined, undefined, temporal.interceptors);
  onboarding = onboardingClient(product.http);
});
afterAll(async () => {
  await product?.stop();
});

async function createOrg(
  networks: string[] = ['VISA', 'MASTERCARD'],
): Promise<{ orgId: string; testKey: string }> {
  const created = await product.http('POST', '/v1/orgs', {
    key: OPERATOR_KEY,
    json: { ...sampleOrg, networks },
  });
  expect(created.status).toBe(201);
  return { orgId: created.body.org.id, testKey: created.body.apiKey.token };
}

/** What the Web UI lists for a visibility query. */
async function visible(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const run of product.temporal.workflow.list({ query })) ids.push(run.workflowId);
  return ids;
}

describe('onboarding an org end to end over HTTP', () => {
  it('runs environments, Service Desk, two certifications and Control Center to live', async () => {
    const { orgId, testKey } = await createOrg();

    const ready = await onboarding.waitForEnvironments(orgId);
    expect(
      ready.processes.map((p) => [p.process, p.network ?? p.environment ?? '', p.stage]),
    ).toEqual([
      ['serviceDesk', '', 'awaitingAccess'],
      ['testEnvironment', 'TEST', 'ready'],
      ['productionEnvironment', 'PRODUCTION', 'ready'],
      ['certification', 'VISA', 'kickoff'],
      ['certification', 'MASTERCARD', 'kickoff'],
      ['controlCenter', '', 'awaitingAccess'],
    ]);
    expect(ready.allowedEvents).toEqual(
      expect.arrayContaining([
        { type: 'SERVICE_DESK_ACCESS_GRANTED' },
        { type: 'CONTROL_CENTER_ACCESS_GRANTED' },
        { type: 'KICKOFF_HELD', network: 'VISA' },
        { type: 'CANCEL', network: 'MASTERCARD' },
      ]),
    );
    const environments = await product.prisma.environment.findMany({ where: { orgId } });
    expect(environments.map((e) => [e.kind, e.status, e.verifiedAt !== null]).sort()).toEqual([
      ['PRODUCTION', 'READY', true],
      ['TEST', 'READY', true],
    ]);

    await onboarding.send(orgId, { type: 'SERVICE_DESK_ACCESS_GRANTED', notes: 'ticket SD-7' });
    await onboarding.certify(orgId, 'VISA');
    await onboarding.send(orgId, { type: 'KICKOFF_HELD', network: 'MASTERCARD' });
    const testing = await onboarding.send(orgId, {
      type: 'TEST_PLAN_AGREED',
      network: 'MASTERCARD',
      notes: 'plan v2 signed',
    });
    expect(testing).toMatchObject({
      run: 'networkCertification',
      workflow: { workflowId: workflowIds.networkCertification(orgId, 'MASTERCARD') },
      state: {
        network: 'MASTERCARD',
        stage: 'testing',
        allowedEvents: ['RESULTS_SUBMITTED', 'CANCEL'],
      },
    });

    // "Every org in certification testing with Mastercard", as one Web UI filter.
    const certificationId = workflowIds.networkCertification(orgId, 'MASTERCARD');
    const stuck = await eventually(async () => {
      const ids = await visible(
        `OrgId = '${orgId}' AND Network = 'MASTERCARD' AND Stage = 'testing'`,
      );
      return ids.length > 0 ? ids : undefined;
    });
    expect(stuck).toEqual([certificationId]);
    const orgRuns = await eventually(async () => {
      const ids = await visible(`OrgId = '${orgId}' AND Stage = 'certification.certifying'`);
      return ids.length > 0 ? ids : undefined;
    });
    expect(orgRuns).toEqual([workflowIds.orgOnboarding(orgId)]);

    await onboarding.send(orgId, {
      type: 'RESULTS_SUBMITTED',
      network: 'MASTERCARD',
      notes: 'run 1',
    });
    const failed = await onboarding.send(orgId, {
      type: 'FAILED',
      network: 'MASTERCARD',
      notes: 'ATM cases failed',
    });
    expect(failed.state.stage).toBe('retesting');
    await onboarding.send(orgId, {
      type: 'RESULTS_SUBMITTED',
      network: 'MASTERCARD',
      notes: 'run 2',
    });
    await onboarding.send(orgId, {
      type: 'CERTIFIED',
      network: 'MASTERCARD',
      notes: 'letter MC-123',
    });
    await onboarding.send(orgId, { type: 'CONTROL_CENTER_ACCESS_GRANTED', notes: '3 users' });

    await product.temporal.workflow.getHandle(workflowIds.orgOnboarding(orgId)).result();
    const live = await onboarding.get(orgId);
    expect(live).toMatchObject({ stage: 'live', done: true, allowedEvents: [] });
    expect(live.processes.every((p) => p.done)).toBe(true);
    expect(live.history).toContainEqual(
      expect.objectContaining({
        event: 'SERVICE_DESK_ACCESS_GRANTED',
        by: 'operator',
        notes: 'ticket SD-7',
      }),
    );
    const mastercard = live.processes.find((p) => p.network === 'MASTERCARD')!;
    expect(mastercard.details!.history.map((h: { event: string }) => h.event)).toEqual([
      'KICKOFF_HELD',
      'TEST_PLAN_AGREED',
      'RESULTS_SUBMITTED',
      'FAILED',
      'RESULTS_SUBMITTED',
      'CERTIFIED',
    ]);
    expect(mastercard.details!.history[3]).toMatchObject({
      by: 'operator',
      notes: 'ATM cases failed',
    });
    expect((await product.prisma.org.findUniqueOrThrow({ where: { id: orgId } })).status).toBe(
      'ACTIVE',
    );

    // The production key, only now that production is verified; its data and the test data stay apart.
    const issued = await product.http('POST', `/v1/orgs/${orgId}/api-keys`, {
      key: OPERATOR_KEY,
      json: { environment: 'PRODUCTION', name: 'backend' },
    });
    expect(issued.status).toBe(201);
    const productionKey: string = issued.body.token;
    expect(productionKey).toMatch(/^cie_production_/);
    const program = {
      name: 'Gold',
      type: 'CREDIT',
      cardNetwork: 'VISA',
      currency: 'BRL',
      dueDays: [5, 15],
      defaultCreditLimit: 100_000,
    };
    const inProduction = await product.http('POST', '/v1/programs', {
      key: productionKey,
      json: program,
    });
    expect(inProduction.status).toBe(201);
    const inTest = await product.http('POST', '/v1/programs', {
      key: testKey,
      json: { ...program, name: 'Sandbox' },
    });
    expect(inTest.status).toBe(201);
    const seenByTest = await product.http('GET', '/v1/programs', { key: testKey });
    const seenByProduction = await product.http('GET', '/v1/programs', { key: productionKey });
    expect(seenByTest.body.items.map((p: { name: string }) => p.name)).toEqual(['Sandbox']);
    expect(seenByProduction.body.items.map((p: { name: string }) => p.name)).toEqual(['Gold']);
    const reasons = await product.http('GET', '/v1/account-status-reasons', { key: productionKey });
    expect(reasons.body.items.map((r: { code: string }) => r.code).sort()).toEqual(
      defaultStatusReasons.map((r) => r.code).sort(),
    );
  });
});

describe('a certification that ends by cancellation', () => {
  it('says cancelled in the overview, its steps and the org, never certified', async () => {
    const { orgId } = await createOrg(['VISA', 'MASTERCARD']);
    await onboarding.waitForEnvironments(orgId);
    await onboarding.certify(orgId, 'VISA');
    await onboarding.send(orgId, { type: 'CANCEL', network: 'MASTERCARD', notes: 'not now' });
    const ended = await onboarding.waitFor(orgId, (o) =>
      o.stages.includes('certification.certified'),
    );

    expect(onboarding.stageOf(ended, 'certification', 'MASTERCARD')).toBe('cancelled');
    expect(onboarding.stageOf(ended, 'certification', 'VISA')).toBe('certified');
    // Each network's end is its own step, saying how it ended; the region's is the region's.
    const certificationSteps = ended.history
      .filter((s) => s.event === 'CERTIFICATION_ENDED')
      .map((s) => `${s.network ?? 'region'}: ${s.from} → ${s.to}`);
    expect(certificationSteps).toHaveLength(3);
    expect(certificationSteps.slice(0, 2).sort()).toEqual([
      'MASTERCARD: inProgress → cancelled',
      'VISA: inProgress → certified',
    ]);
    expect(certificationSteps[2]).toBe('region: certifying → certified');
    expect(ended.history.filter((s) => s.network === 'MASTERCARD' && s.to === 'certified')).toEqual(
      [],
    );

    const org = await product.http('GET', `/v1/orgs/${orgId}`, { key: OPERATOR_KEY });
    expect(org.body.onboarding.history).toEqual(ended.history);
  });
});

describe('a refused event names what onboarding accepts now', () => {
  it('lists exactly the events the overview offers, whichever run refused it', async () => {
    const { orgId } = await createOrg(['VISA', 'MASTERCARD']);
    await onboarding.waitForEnvironments(orgId);
    await onboarding.send(orgId, { type: 'SERVICE_DESK_ACCESS_GRANTED', notes: 'SD-1' });

    // A stale board sends the step again: the org's run refuses it.
    const again = await product.http('POST', `/v1/orgs/${orgId}/onboarding/events`, {
      key: OPERATOR_KEY,
      json: { type: 'SERVICE_DESK_ACCESS_GRANTED' },
    });
    expectProblem(again, 409);
    const overview = await onboarding.get(orgId);
    expect(again.body.allowedEvents).toEqual(overview.allowedEvents);
    const offered = (events: { type: string; network?: string }[]) =>
      events.map((e) => [e.type, e.network ?? ''].join(' ').trim()).sort();
    expect(offered(again.body.allowedEvents)).toEqual([
      'CANCEL MASTERCARD',
      'CANCEL VISA',
      'CONTROL_CENTER_ACCESS_GRANTED',
      'KICKOFF_HELD MASTERCARD',
      'KICKOFF_HELD VISA',
    ]);

    // A certification's run refusing answers with the same list.
    const early = await product.http('POST', `/v1/orgs/${orgId}/onboarding/events`, {
      key: OPERATOR_KEY,
      json: { type: 'CERTIFIED', network: 'MASTERCARD' },
    });
    expectProblem(early, 409);
    expect(early.body).toMatchObject({ stage: 'kickoff', allowedEvents: overview.allowedEvents });
  });
});

describe('the onboarding run in the Temporal Web UI', () => {
  it('carries a summary and details naming the org and its networks', async () => {
    const { orgId } = await createOrg(['VISA', 'MASTERCARD']);
    const run = await product.temporal.workflow
      .getHandle(workflowIds.orgOnboarding(orgId))
      .describe();
    expect(await run.staticSummary()).toBe(`Onboarding · ${sampleOrg.legalName}`);
    expect(await run.staticDetails()).toBe(
      `**Org:** ${sampleOrg.legalName} (${orgId})  \n**Networks:** VISA, MASTERCARD`,
    );
    // Its child runs too: each environment and each network's certification
    const child = (workflowId: string) =>
      eventually(async () => {
        try {
          return await product.temporal.workflow.getHandle(workflowId).describe();
        } catch {
          return undefined;
        }
      });
    const test = await child(workflowIds.environmentProvisioning(orgId, 'TEST'));
    expect(await test.staticSummary()).toBe(`Environment · TEST · ${sampleOrg.legalName}`);
    const visa = await child(workflowIds.networkCertification(orgId, 'VISA'));
    expect(await visa.staticSummary()).toBe(`Certification · VISA · ${sampleOrg.legalName}`);
    expect(await visa.staticDetails()).toBe(
      `**Org:** ${sampleOrg.legalName} (${orgId})  \n**Network:** VISA`,
    );
  });
});

describe('bad onboarding input is a 4xx problem and changes nothing', () => {
  let orgId: string;
  let before: Overview;

  beforeAll(async () => {
    ({ orgId } = await createOrg(['VISA']));
    before = await onboarding.waitForEnvironments(orgId);
  });

  const send = (json: unknown, key = OPERATOR_KEY, id = orgId) =>
    product.http('POST', `/v1/orgs/${id}/onboarding/events`, { key, json });

  it("refuses an event the run's machine does not allow now, with every event onboarding accepts now", async () => {
    temporal.calls.length = 0;
    const early = await send({ type: 'CERTIFIED', network: 'VISA' });
    expectProblem(early, 409);
    expect(early.body.stage).toBe('kickoff');
    expect(early.body.detail).toContain('CERTIFIED is not allowed');
    // The refusal is the Update's own; only then is the overview read, for what it offers.
    expect(temporal.calls[0]).toBe('startUpdate');
    expect(temporal.calls.slice(1)).not.toContain('startUpdate');
    const overview = await onboarding.get(orgId);
    expect(early.body.allowedEvents).toEqual(overview.allowedEvents);
    expect(early.body.allowedEvents).toEqual(
      expect.arrayContaining([
        { type: 'KICKOFF_HELD', network: 'VISA' },
        { type: 'CANCEL', network: 'VISA' },
      ]),
    );
  });

  it('answers an accepted event with the Update’s own answer, in one Temporal call', async () => {
    const { orgId: fresh } = await createOrg(['VISA']);
    await onboarding.waitForEnvironments(fresh);
    temporal.calls.length = 0;
    const kickoff = await send(
      { type: 'KICKOFF_HELD', network: 'VISA', notes: 'call' },
      OPERATOR_KEY,
      fresh,
    );
    expect(kickoff.status).toBe(200);
    expect(kickoff.body).toMatchObject({
      run: 'networkCertification',
      state: { stage: 'testPlanning', history: [{ event: 'KICKOFF_HELD', notes: 'call' }] },
    });
    expect(temporal.calls).toEqual(['startUpdate']);
  });

  it('tells a run that has ended from its Update’s error', async () => {
    temporal.calls.length = 0;
    const retry = await send({ type: 'RETRY_STEP', environment: 'TEST' });
    expectProblem(retry, 409);
    expect(retry.body.detail).toBe(
      `TEST environment of org ${orgId} has ended; it accepts no events`,
    );
    expect(retry.body.allowedEvents).toEqual((await onboarding.get(orgId)).allowedEvents);
    expect(temporal.calls.filter((call) => call === 'startUpdate')).toHaveLength(1);
  });

  it('refuses an event for a network the org does not certify with', async () => {
    const amex = await send({ type: 'KICKOFF_HELD', network: 'MASTERCARD' });
    expectProblem(amex, 409);
    expect(amex.body.detail).toContain(`org ${orgId} does not certify with MASTERCARD`);
    expect(amex.body.allowedEvents).toEqual((await onboarding.get(orgId)).allowedEvents);
  });

  it('names the field and the rule for unknown events, unknown networks and missing targets', async () => {
    const unknown = await send({ type: 'MAKE_IT_LIVE' });
    expectProblem(unknown, 400, 'invalid_value');
    expect(unknown.body.errors[0].field).toBe('body.type');
    const amex = await send({ type: 'KICKOFF_HELD', network: 'AMEX' });
    expectProblem(amex, 400, 'invalid_value');
    expect(amex.body.errors[0].field).toBe('body.network');
    const noNetwork = await send({ type: 'KICKOFF_HELD' });
    expectProblem(noNetwork, 400, 'required');
    expect(noNetwork.body.errors[0].field).toBe('body.network');
    const stray = await send({ type: 'SERVICE_DESK_ACCESS_GRANTED', environment: 'TEST' });
    expectProblem(stray, 400, 'not_allowed');
    expect(stray.body.errors[0].field).toBe('body.environment');
  });

  it("keeps one org's onboarding away from another org", async () => {
    const other = await createOrg(['VISA']);
    expectProblem(
      await product.http('GET', `/v1/orgs/${orgId}/onboarding`, { key: other.testKey }),
      404,
    );
    expectProblem(await send({ type: 'SERVICE_DESK_ACCESS_GRANTED' }, other.testKey), 403);
    // No route sends an Update to a run by its id: the org in the path names the runs.
    const crossed = await product.http(
      'POST',
      `/v1/orgs/${other.orgId}/workflows/${workflowIds.orgOnboarding(orgId)}/updates/sendOrgOnboardingEvent`,
      { key: OPERATOR_KEY, json: { type: 'SERVICE_DESK_ACCESS_GRANTED' } },
    );
    expectProblem(crossed, 404);
  });

  it('starts no second onboarding for the same org', async () => {
    const again = await product.http('POST', `/v1/orgs/${orgId}/workflows`, {
      key: OPERATOR_KEY,
      json: { type: 'orgOnboarding' },
    });
    expectProblem(again, 409);
    const { runId } = await product.temporal.workflow
      .getHandle(workflowIds.orgOnboarding(orgId))
      .describe();
    expect(runId).toBe(before.workflow.runId);
  });

  it('issues no key for an unknown org', async () => {
    const unknownOrg = await product.http(
      'POST',
      `/v1/orgs/00000000-0000-4000-8000-000000000000/api-keys`,
      {
        key: OPERATOR_KEY,
        json: { environment: 'PRODUCTION', name: 'x' },
      },
    );
    expectProblem(unknownOrg, 404);
  });

  it('left the onboarding as it was', async () => {
    const after = await onboarding.get(orgId);
    expect(after.history).toEqual(before.history);
    expect(after.processes.map((p) => p.stage)).toEqual(before.processes.map((p) => p.stage));
  });
});

describe('the generic workflow surface, scoped to the org', () => {
  it('describes, queries and starts the org’s runs, with a link to each', async () => {
    const { orgId, testKey } = await createOrg(['VISA']);
    await onboarding.waitForEnvironments(orgId);
    const base = `/v1/orgs/${orgId}/workflows`;
    const certificationId = workflowIds.networkCertification(orgId, 'VISA');

    const described = await product.http('GET', `${base}/${certificationId}`, { key: testKey });
    expect(described.status).toBe(200);
    expect(described.body).toMatchObject({
      type: 'networkCertification',
      status: 'RUNNING',
      searchAttributes: { OrgId: orgId, Network: 'VISA', Stage: ['kickoff'] },
      queries: ['getCertification'],
      link: { workflowId: certificationId, page: `/ui/workflows/${certificationId}` },
    });

    await onboarding.send(orgId, {
      type: 'KICKOFF_HELD',
      network: 'VISA',
      notes: 'call with the network',
    });
    const queried = await product.http(
      'GET',
      `${base}/${certificationId}/queries/getCertification`,
      { key: testKey },
    );
    expect(queried.body.history).toEqual([
      expect.objectContaining({ event: 'KICKOFF_HELD', by: 'operator' }),
    ]);
    expectProblem(
      await product.http('GET', `${base}/${certificationId}/queries/secrets`, {
        key: OPERATOR_KEY,
      }),
      404,
    );
    for (const inherited of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const query = await product.http('GET', `${base}/${certificationId}/queries/${inherited}`, {
        key: OPERATOR_KEY,
      });
      expectProblem(query, 404);
    }
    for (const handler of ['updates/sendCertificationEvent', 'signals/anything']) {
      expectProblem(
        await product.http('POST', `${base}/${certificationId}/${handler}`, {
          key: OPERATOR_KEY,
          json: { type: 'CERTIFIED' },
        }),
        404,
      );
    }

    // A certification outside onboarding (a second network later on), started once.
    const started = await product.http('POST', base, {
      key: OPERATOR_KEY,
      json: { type: 'networkCertification', network: 'MASTERCARD' },
    });
    expect(started.status).toBe(201);
    expect(started.body.workflowId).toBe(workflowIds.networkCertification(orgId, 'MASTERCARD'));
    // Its events go through the same door as onboarding's.
    const kickoff = await onboarding.send(orgId, { type: 'KICKOFF_HELD', network: 'MASTERCARD' });
    expect(kickoff).toMatchObject({
      run: 'networkCertification',
      state: { stage: 'testPlanning' },
    });
    expectProblem(
      await product.http('POST', base, {
        key: OPERATOR_KEY,
        json: { type: 'networkCertification', network: 'MASTERCARD' },
      }),
      409,
    );

    const listed = await eventually(async () => {
      const response = await product.http('GET', base, { key: testKey });
      return response.body.items.length >= 4 ? response.body.items : undefined;
    });
    expect(listed.map((run: { type: string }) => run.type).sort()).toEqual([
      'environmentProvisioning',
      'environmentProvisioning',
      'networkCertification',
      'networkCertification',
      'orgOnboarding',
    ]);

    const other = await createOrg(['VISA']);
    expectProblem(
      await product.http('GET', `${base}/${certificationId}`, { key: other.testKey }),
      404,
    );
    expectProblem(
      await product.http('GET', `/v1/orgs/${other.orgId}/workflows/${certificationId}`, {
        key: OPERATOR_KEY,
      }),
      404,
    );
  });
});

describe('the generic surface cannot wedge onboarding or show the other environment', () => {
  it('refuses to start a certification the running onboarding starts itself, and the onboarding still goes live', async () => {
    const { orgId } = await createOrg(['VISA']);
    const base = `/v1/orgs/${orgId}/workflows`;
    const refused = await product.http('POST', base, {
      key: OPERATOR_KEY,
      json: { type: 'networkCertification', network: 'VISA' },
    });
    expectProblem(refused, 409, 'run_by_onboarding');

    await onboarding.complete(orgId, ['VISA']);
    const live = await onboarding.waitFor(orgId, (o) => o.stage === 'live');
    expect(live.done).toBe(true);
    expect((await product.prisma.org.findUniqueOrThrow({ where: { id: orgId } })).status).toBe(
      'ACTIVE',
    );
  });

  it("lists to each environment's key its own runs and the org-wide ones, never the other environment's", async () => {
    const { orgId, testKey } = await createOrg(['VISA']);
    await onboarding.waitForEnvironments(orgId);
    const issued = await product.http('POST', `/v1/orgs/${orgId}/api-keys`, {
      key: OPERATOR_KEY,
      json: { environment: 'PRODUCTION', name: 'live' },
    });
    expect(issued.status).toBe(201);
    const productionKey: string = issued.body.token;
    const draftIn = async (key: string) => {
      const program = await product.http('POST', '/v1/programs', {
        key,
        json: { name: 'Gold', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
      });
      const draft = await product.http('POST', '/v1/account-applications', {
        key,
        json: { programId: program.body.id },
      });
      expect(draft.status).toBe(201);
      return workflowIds.accountApplication(draft.body.id);
    };
    const testRun = await draftIn(testKey);
    const productionRun = await draftIn(productionKey);
    const base = `/v1/orgs/${orgId}/workflows`;
    const listedBy = async (key: string) =>
      (
        (await product.http('GET', `${base}?limit=200`, { key })).body.items as {
          workflowId: string;
        }[]
      ).map((r) => r.workflowId);

    const byOperator = await eventually(async () => {
      const ids = await listedBy(OPERATOR_KEY);
      return ids.includes(testRun) && ids.includes(productionRun) ? ids : undefined;
    });
    const byTest = await listedBy(testKey);
    const byProduction = await listedBy(productionKey);
    expect(byTest).toContain(testRun);
    expect(byTest).not.toContain(productionRun);
    expect(byProduction).toContain(productionRun);
    expect(byProduction).not.toContain(testRun);
    // Org-wide runs (onboarding) are every key's
    expect(byTest).toContain(workflowIds.orgOnboarding(orgId));
    expect(byProduction).toContain(workflowIds.orgOnboarding(orgId));
    expect(byOperator.length).toBeGreaterThanOrEqual(byTest.length + 1);
    expectProblem(await product.http('GET', `${base}/${productionRun}`, { key: testKey }), 404);
  });
});
