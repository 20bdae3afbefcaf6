import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentProvider } from '../../activities/environment-provider.js';
import { OPERATOR_KEY, createOrgWithKey, expectProblem } from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';
import { startTimeSkippingProduct, type TimeSkippingProduct } from '../support/time-skipping.js';

// The built-in provider, with production's verification failing until the test lets it pass:
// a provider outage as the workflow sees it.
let productionVerifyFails = true;
let verifyCalls = 0;
let product: TimeSkippingProduct;

beforeAll(async () => {
  const flaky = (builtIn: EnvironmentProvider): EnvironmentProvider => ({
    provision: (request) => builtIn.provision(request),
    async verify(request) {
      if (request.environment === 'PRODUCTION') {
        verifyCalls += 1;
        if (productionVerifyFails)
          throw new Error('provider unavailable: verification endpoint timed out');
      }
      return builtIn.verify(request);
    },
  });
  product = await startTimeSkippingProduct({
    environmentProvider: flaky,
    provisioningAttemptsPerStep: 3,
  });
});
afterAll(async () => {
  await product?.stop();
});

describe('environment provisioning through a failing provider', () => {
  it('retries a bounded number of times, shows the failed step, and carries on when an operator retries it', async () => {
    const { orgId } = await createOrgWithKey(product.http);
    const onboarding = onboardingClient(product.http);
    const failed = await onboarding.waitFor(
      orgId,
      (o) => onboarding.stageOf(o, 'productionEnvironment') === 'failed',
      60_000,
    );
    const production = failed.processes.find((p) => p.environment === 'PRODUCTION')!;
    expect(production.details).toMatchObject({
      failedStep: 'verify',
      lastError: expect.stringContaining('provider unavailable'),
    });
    expect(failed.allowedEvents).toContainEqual({ type: 'RETRY_STEP', environment: 'PRODUCTION' });
    expect(verifyCalls).toBe(3);
    const failedEvents = () =>
      product.prisma.event.findMany({ where: { orgId, type: 'environment.failed' } });
    const [failedEvent, ...more] = await failedEvents();
    expect(more).toEqual([]);
    expect(failedEvent).toMatchObject({
      environmentId: null,
      subjectType: 'environment',
      payload: {
        orgId,
        kind: 'PRODUCTION',
        step: 'verify',
        error: expect.stringContaining('provider unavailable'),
      },
    });

    // No endless loop: a day later nothing has retried on its own.
    await product.env.sleep('1 day');
    expect(verifyCalls).toBe(3);
    const row = await product.prisma.environment.findUniqueOrThrow({
      where: { orgId_kind: { orgId, kind: 'PRODUCTION' } },
    });
    expect(row).toMatchObject({ status: 'FAILED', verifiedAt: null });
    expect(row.provisioningError).toContain('verify: provider unavailable');
    const tooEarly = await product.http('POST', `/v1/orgs/${orgId}/api-keys`, {
      key: OPERATOR_KEY,
      json: { environment: 'PRODUCTION', name: 'backend' },
    });
    expectProblem(tooEarly, 409);
    expect(tooEarly.body.environmentStatus).toBe('FAILED');
    expect(await product.prisma.apiKey.count({ where: { orgId } })).toBe(1);

    productionVerifyFails = false;
    const retried = await onboarding.send(orgId, {
      type: 'RETRY_STEP',
      environment: 'PRODUCTION',
      notes: 'provider is back',
    });
    expect(retried.run).toBe('environmentProvisioning');
    expect(retried.state.history).toContainEqual(
      expect.objectContaining({
        event: 'RETRY_STEP',
        from: 'failed',
        to: 'verifying',
        notes: 'provider is back',
      }),
    );
    await onboarding.waitFor(
      orgId,
      (o) => o.stages.includes('productionEnvironment.ready'),
      60_000,
    );
    expect(verifyCalls).toBe(4);
    const key = await product.http('POST', `/v1/orgs/${orgId}/api-keys`, {
      key: OPERATOR_KEY,
      json: { environment: 'PRODUCTION', name: 'backend' },
    });
    expect(key.status).toBe(201);
    expect(
      await product.prisma.environment.findUniqueOrThrow({
        where: { orgId_kind: { orgId, kind: 'PRODUCTION' } },
      }),
    ).toMatchObject({
      status: 'READY',
      provisioningError: null,
    });
    // One failure, then one ready per environment: the retried step failed nothing more
    expect(await failedEvents()).toHaveLength(1);
    const ready = await product.prisma.event.findMany({
      where: { orgId, type: 'environment.ready' },
    });
    expect(ready.map((e) => (e.payload as { kind: string }).kind).sort()).toEqual([
      'PRODUCTION',
      'TEST',
    ]);
  });
});
