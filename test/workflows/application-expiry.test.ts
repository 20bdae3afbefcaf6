import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import type { accountApplication } from '../../workflows/account-application.js';
import { createOrgWithKey } from '../support/harness.js';
import { startTimeSkippingProduct, type TimeSkippingProduct } from '../support/time-skipping.js';

let product: TimeSkippingProduct;
let key: string;
beforeAll(async () => {
  product = await startTimeSkippingProduct();
  key = (await createOrgWithKey(product.http)).key;
});
afterAll(async () => {
  await product?.stop();
});

describe('application drafts (time-skipped)', () => {
  it('expire after 30 untouched days; each update starts the count again', async () => {
    const draft = await product.http('POST', '/v1/account-applications', {
      key,
      json: { applicant: { person: { name: 'Dora', documentNumber: 'DOC-0001' } } },
    });
    expect(draft.status).toBe(201);
    const id: string = draft.body.id;
    await product.env.sleep('20 days');
    expect(
      (
        await product.http('PATCH', `/v1/account-applications/${id}`, {
          key,
          json: { additionalCustomers: [] },
        })
      ).body.status,
    ).toBe('DRAFT');
    await product.env.sleep('20 days');
    expect((await product.http('GET', `/v1/account-applications/${id}`, { key })).body.status).toBe(
      'DRAFT',
    );
    const result = await product.env.client.workflow
      .getHandle<typeof accountApplication>(workflowIds.accountApplication(id))
      .result();
    expect(result.status).toBe('EXPIRED');
    expect(result.history.map((h) => h.event)).toEqual(['UPDATE', 'EXPIRE']);
    expect(
      Date.parse(result.history[1]!.at) - Date.parse(result.history[0]!.at),
    ).toBeGreaterThanOrEqual(30 * 24 * 3600 * 1000);
    expect(
      (await product.http('POST', `/v1/account-applications/${id}/submit`, { key })).status,
    ).toBe(409);
    // Its end is the application's event, written by the run before it returned
    const events = await product.prisma.event.findMany({ where: { subjectId: id } });
    expect(events.map((e) => [e.type, e.subjectType, e.payload])).toEqual([
      ['application.expired', 'application', { applicationId: id }],
    ]);
  });
});
