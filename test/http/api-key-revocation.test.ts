import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrgWithKey,
  eventually,
  expectProblem,
  PRODUCT_STEP_MS,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';

// Checked keys are trusted for API_KEY_CACHE_SECONDS without a lookup; that is also the longest a
// revoked key keeps working.

const CACHE_MS = 1_000;

let product: TestProduct;
beforeAll(async () => {
  product = await startTestProduct(
    { api: true, worker: false },
    { API_KEY_CACHE_SECONDS: String(CACHE_MS / 1000) },
  );
});
afterAll(async () => {
  await product?.stop();
});

describe('a revoked API key', () => {
  it('is refused once the cache bound has passed', async () => {
    const { orgId, key } = await createOrgWithKey(product.http, 'Revoked Bank');
    expect((await product.http('GET', '/v1/programs', { key })).status).toBe(200);
    await product.prisma.apiKey.updateMany({
      where: { orgId, environment: { kind: 'TEST' } },
      data: { revokedAt: new Date() },
    });
    const refused = await eventually(async () => {
      const response = await product.http('GET', '/v1/programs', { key });
      return response.status === 401 ? response : undefined;
    });
    expectProblem(refused, 401);
  });
});

describe('an expired API key', () => {
  it('is refused once its expiry, or the cache bound after it was set elsewhere, has passed', async () => {
    const { orgId, key } = await createOrgWithKey(product.http, 'Expiring Bank');
    expect((await product.http('GET', '/v1/programs', { key })).status).toBe(200);
    // As another process's rotation with no grace leaves it
    await product.prisma.apiKey.updateMany({
      where: { orgId, environment: { kind: 'TEST' } },
      data: { expiresAt: new Date() },
    });
    const refused = await eventually(async () => {
      const response = await product.http('GET', '/v1/programs', { key });
      return response.status === 401 ? response : undefined;
    }, CACHE_MS + PRODUCT_STEP_MS);
    expectProblem(refused, 401);
  });
});
