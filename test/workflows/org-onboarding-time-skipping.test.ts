import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import { getOrgOnboardingQuery, sendOrgOnboardingEventUpdate, type orgOnboarding } from '../../workflows/org-onboarding.js';
import { createOrgWithKey } from '../support/harness.js';
import { startTimeSkippingProduct, type TimeSkippingProduct } from '../support/time-skipping.js';

let product: TimeSkippingProduct;
beforeAll(async () => {
  product = await startTimeSkippingProduct();
});
afterAll(async () => {
  await product?.stop();
});

describe('org onboarding over months (time-skipped)', () => {
  it('keeps waiting for Service Desk access for half a year, then finishes when it is granted', async () => {
    const { orgId } = await createOrgWithKey(product.http);
    const handle = product.env.client.workflow.getHandle<typeof orgOnboarding>(workflowIds.orgOnboarding(orgId));

    const started = Date.now();
    await product.env.sleep('180 days');
    expect(Date.now() - started).toBeLessThan(60_000);
    const waiting = await handle.query(getOrgOnboardingQuery);
    expect(waiting.stage).toBe('awaitingServiceDeskAccess');
    const { status } = await handle.describe();
    expect(status.name).toBe('RUNNING');

    await handle.executeUpdate(sendOrgOnboardingEventUpdate, { args: [{ type: 'SERVICE_DESK_ACCESS_GRANTED', by: 'operator' }] });
    const result = await handle.result();
    expect(result.stage).toBe('live');
    const [ready, granted] = result.history;
    expect(Date.parse(granted!.at) - Date.parse(ready!.at)).toBeGreaterThan(179 * 24 * 3600 * 1000);
  });
});
