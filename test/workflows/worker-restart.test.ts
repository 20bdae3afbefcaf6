import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import type { accountApplication } from '../../workflows/account-application.js';
import { defaultStatusReasons } from '../../machines/status-reasons.js';
import type { orgOnboarding } from '../../workflows/org-onboarding.js';
import { onboardingClient } from '../support/onboarding.js';
import {
  OPERATOR_KEY,
  createAccount,
  createOrgWithKey,
  eventually,
  sampleOrg,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';
import { startEntryPoint, type RunningEntryPoint } from '../support/processes.js';

// The worker runs as a separate process (bin/worker.ts), is killed with SIGKILL while an org's
// onboarding waits for its next step, and a new worker process finishes the job.

/** A worker process bundles the workflows before it polls: seconds, many more on a busy machine */
const WORKER_START_MS = 120_000;
/**
 * After a SIGKILL, Temporal hands the dead worker's work to the next one once the sticky queue's
 * schedule-to-start timeout (5 s) or the workflow task timeout (10 s) has passed; twice that, plus
 * room for a busy machine, is how long a step may take to move again.
 */
const AFTER_KILL_MS = 60_000;

let product: TestProduct;
const workers: RunningEntryPoint[] = [];

beforeAll(async () => {
  product = await startTestProduct({ api: true, worker: false });
});
afterAll(async () => {
  for (const worker of workers) await worker.killGroup();
  await product?.stop();
});

async function startWorkerProcess(): Promise<RunningEntryPoint> {
  const server = product.config.temporal.server;
  const worker = await startEntryPoint(
    'bin/worker.ts',
    {
      LOG_LEVEL: 'info',
      DATABASE_URL: product.database.productUrl,
      DATABASE_MIGRATION_URL: product.database.url,
      TEMPORAL_ADDRESS: server.mode === 'external' ? server.address : '',
      TEMPORAL_TASK_QUEUE: product.config.temporal.taskQueue,
    },
    'worker running',
    WORKER_START_MS,
  );
  workers.push(worker);
  return worker;
}

describe('an org workflow survives its worker being killed', () => {
  it(
    'completes once on a new worker process and the org exists once',
    async () => {
      const first = await startWorkerProcess();
      const created = await product.http('POST', '/v1/orgs', {
        key: OPERATOR_KEY,
        json: sampleOrg,
      });
      expect(created.status).toBe(201);
      const orgId: string = created.body.org.id;
      const onboarding = onboardingClient(product.http);
      await onboarding.waitForEnvironments(orgId);

      await first.killGroup();

      await startWorkerProcess();
      await onboarding.complete(orgId, sampleOrg.networks);
      const result = await product.temporal.workflow
        .getHandle<typeof orgOnboarding>(workflowIds.orgOnboarding(orgId))
        .result();
      expect(result.stage).toBe('live');
      const events = result.history.map(
        (step) => `${step.event}${step.network ? ` ${step.network}` : ''}`,
      );
      expect(events.filter((e) => e === 'SERVICE_DESK_ACCESS_GRANTED')).toHaveLength(1);
      expect(events.filter((e) => e === 'CERTIFICATION_ENDED VISA')).toHaveLength(1);
      expect(events.at(-1)).toBe('ORG_ACTIVATED');

      // Every side effect happened once: one org, two environments, one set of default reasons
      // each, no verification key left behind, the test key alone.
      expect(await product.prisma.org.count({ where: { legalName: sampleOrg.legalName } })).toBe(1);
      const org = await product.prisma.org.findUniqueOrThrow({
        where: { id: orgId },
        include: { environments: true },
      });
      expect(org.status).toBe('ACTIVE');
      expect(org.environments.map((e) => `${e.kind}:${e.status}`).sort()).toEqual([
        'PRODUCTION:READY',
        'TEST:READY',
      ]);
      for (const environment of org.environments) {
        expect(
          await product.prisma.accountStatusReason.count({
            where: { environmentId: environment.id },
          }),
        ).toBe(defaultStatusReasons.length);
      }
      expect(await product.prisma.apiKey.count({ where: { orgId } })).toBe(1);
    },
    2 * WORKER_START_MS + 2 * AFTER_KILL_MS,
  );
});

describe('an account application survives its worker being killed', () => {
  it(
    'is submitted and processed by the next worker process into exactly one account',
    async () => {
      const first = await startWorkerProcess();
      const { key } = await createOrgWithKey(product.http, 'Restart Bank');
      const { programId } = await createAccount(product.http, key);
      const draft = await product.http('POST', '/v1/account-applications', {
        key,
        json: { programId, applicant: { person: { name: 'Eva', documentNumber: 'RESTART-1' } } },
      });
      expect(draft.status).toBe(201);
      const id: string = draft.body.id;
      await eventually(
        async () =>
          (await product.http('GET', `/v1/account-applications/${id}`, { key })).status === 200
            ? true
            : undefined,
        AFTER_KILL_MS,
      );

      await first.killGroup();
      // The submit waits for a worker to validate it; the next worker process takes it up.
      const submitted = product.http('POST', `/v1/account-applications/${id}/submit`, { key });
      await startWorkerProcess();
      expect((await submitted).status).toBe(200);
      const result = await product.temporal.workflow
        .getHandle<typeof accountApplication>(workflowIds.accountApplication(id))
        .result();
      expect(result.status).toBe('ACCOUNT_CREATED');
      expect(await product.prisma.account.count({ where: { applicationId: id } })).toBe(1);
      expect(await product.prisma.customer.count({ where: { documentNumber: 'RESTART-1' } })).toBe(
        1,
      );
    },
    2 * WORKER_START_MS + 2 * AFTER_KILL_MS,
  );
});
