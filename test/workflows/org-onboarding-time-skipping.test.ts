import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { workflowIds } from '../../common/temporal-names.js';
import { createPrisma, type PrismaClient } from '../../runtime/prisma.js';
import { createOrgService } from '../../services/org-service.js';
import { getOrgOnboardingQuery, sendOrgOnboardingEventUpdate } from '../../workflows/org-onboarding.js';
import { createTestDatabase, sampleOrg, uniqueName, type TestDatabase } from '../support/harness.js';
import { createTimeSkippingEnvironment } from '../support/time-skipping.js';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  env = await createTimeSkippingEnvironment();
  db = await createTestDatabase();
  prisma = createPrisma(db.url, { maxConnections: 4 });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
  await env?.teardown();
});

describe('org onboarding over months (time-skipped)', () => {
  it('keeps waiting for Service Desk access for half a year, then finishes when it is granted', async () => {
    const taskQueue = uniqueName('timeskip');
    const orgs = createOrgService({
      prisma,
      temporal: env.client,
      taskQueue,
      namespace: env.namespace ?? 'default',
      searchAttributes: false,
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities({ prisma }),
    });
    await worker.runUntil(async () => {
      const { org } = await orgs.createOrg(sampleOrg);
      const handle = env.client.workflow.getHandle(workflowIds.orgOnboarding(org.id));

      const started = Date.now();
      await env.sleep('180 days');
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
});
