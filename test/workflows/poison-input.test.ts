import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentProvider } from '../../activities/environment-provider.js';
import { UNKNOWN_FAILURE_ATTEMPTS } from '../../activities/failures.js';
import { workflowIds } from '../../common/temporal-names.js';
import type { accountApplication } from '../../workflows/account-application.js';
import type { environmentProvisioning } from '../../workflows/environment-provisioning.js';
import { getEnvironmentProvisioningQuery } from '../../workflows/environment-provisioning.js';
import { createAccount, createOrgWithKey } from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';
import { startTimeSkippingProduct, type TimeSkippingProduct } from '../support/time-skipping.js';

// Input no retry can fix, given to every workflow type directly (past the API's validation): each
// run reaches a visible end, a rejected application or a failed run or step, after one attempt
// for data the database refuses and a bounded number for anything else; never an endless retry.

let product: TimeSkippingProduct;
const POISONED_ERROR = 'quota\u0000exceeded';

beforeAll(async () => {
  // Production's verification fails with a message PostgreSQL could not store as it is.
  const provider = (builtIn: EnvironmentProvider): EnvironmentProvider => ({
    provision: (request) => builtIn.provision(request),
    async verify(request) {
      if (request.environment === 'PRODUCTION') throw new Error(POISONED_ERROR);
      return builtIn.verify(request);
    },
  });
  product = await startTimeSkippingProduct({
    environmentProvider: provider,
    provisioningAttemptsPerStep: 2,
  });
});
afterAll(async () => {
  await product?.stop();
});

const start = <T>(workflowType: string, workflowId: string, arg: unknown) =>
  product.env.client.workflow.start(workflowType, {
    workflowId,
    taskQueue: product.taskQueue,
    args: [arg],
  }) as Promise<WorkflowHandle & { result(): Promise<T> }>;

/** The attempt each finished activity ended on, from the run's history. */
async function activityAttempts(handle: WorkflowHandle, activityType?: string): Promise<number[]> {
  const history = await handle.fetchHistory();
  const typeOf = new Map<string, string | null | undefined>();
  for (const event of history.events ?? [])
    if (event.activityTaskScheduledEventAttributes)
      typeOf.set(
        String(event.eventId),
        event.activityTaskScheduledEventAttributes.activityType?.name,
      );
  return (history.events ?? []).flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    if (!started) return [];
    if (activityType && typeOf.get(String(started.scheduledEventId)) !== activityType) return [];
    return [started.attempt ?? 0];
  });
}

/** The run's result, or the failure it ended with; a run that never ends fails the test. */
async function outcome(handle: WorkflowHandle): Promise<{ result?: unknown; failure?: string }> {
  try {
    return { result: await handle.result() };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    const messages: string[] = [];
    for (let cause: Error | undefined = error; cause; cause = (cause as { cause?: Error }).cause)
      messages.push(cause.message);
    return { failure: messages.join(' <- ') };
  }
}

describe('poison input ends every workflow type visibly', () => {
  it('accountApplication: an applicant name with U+0000 is REJECTED with the reason, after one attempt', async () => {
    const { key } = await createOrgWithKey(product.http, 'Poison Bank');
    const { programId } = await createAccount(product.http, key);
    const program = await product.prisma.program.findUniqueOrThrow({ where: { id: programId } });
    const applicationId = randomUUID();
    const handle = await start<Awaited<ReturnType<typeof accountApplication>>>(
      'accountApplication',
      workflowIds.accountApplication(applicationId),
      {
        applicationId,
        orgId: program.orgId,
        environmentId: program.environmentId,
        data: {
          programId,
          applicant: { person: { name: 'Ana\u0000Silva', documentNumber: 'POISON-APP-1' } },
          additionalCustomers: [],
        },
        submit: true,
        by: 'test',
        draftExpiresAfterMs: 86_400_000,
      },
    );
    const view = await handle.result();
    expect(view.status).toBe('REJECTED');
    expect(view.rejectionReasons[0]).toMatch(
      /could not be processed: the database refused the data: .*0x00/,
    );
    expect(await activityAttempts(handle, 'processApplication')).toEqual([1]);
    expect(await product.prisma.customer.count({ where: { documentNumber: 'POISON-APP-1' } })).toBe(
      0,
    );
    expect(await product.prisma.account.count({ where: { applicationId } })).toBe(0);
  });

  it('orgOnboarding: for an org that does not exist, the test environment stops at its failed step after a bounded number of attempts', async () => {
    const orgId = randomUUID();
    const handle = await start('orgOnboarding', workflowIds.orgOnboarding(orgId), {
      orgId,
      networks: ['VISA'],
      certification: { reminderAfterDays: 14, deadlineDays: 180 },
      // More than the classification allows for an error it does not know
      provisioningAttemptsPerStep: 100,
    });
    const child = product.env.client.workflow.getHandle<typeof environmentProvisioning>(
      workflowIds.environmentProvisioning(orgId, 'TEST'),
    );
    await product.env.sleep('1 day');
    const view = await child.query(getEnvironmentProvisioningQuery);
    expect(view).toMatchObject({
      stage: 'failed',
      failedStep: 'provision',
      lastError: expect.stringContaining(`org ${orgId} does not exist`),
    });
    expect((await activityAttempts(child))[0]).toBe(UNKNOWN_FAILURE_ATTEMPTS);
    expect((await handle.describe()).status.name).toBe('RUNNING');
  });

  it('environmentProvisioning: a provider error with U+0000 is stored readable on the environment, and the step waits for an operator', async () => {
    const { orgId } = await createOrgWithKey(product.http, 'Poison Provider Bank');
    const onboarding = onboardingClient(product.http);
    const failed = await onboarding.waitFor(
      orgId,
      (o) => onboarding.stageOf(o, 'productionEnvironment') === 'failed',
      60_000,
    );
    expect(failed.allowedEvents).toContainEqual({ type: 'RETRY_STEP', environment: 'PRODUCTION' });
    const row = await product.prisma.environment.findUniqueOrThrow({
      where: { orgId_kind: { orgId, kind: 'PRODUCTION' } },
    });
    expect(row.status).toBe('FAILED');
    expect(row.provisioningError).toBe('verify: quota\uFFFDexceeded');
  });

  it('networkCertification: a reminder for an org that does not exist fails the run after one attempt', async () => {
    const orgId = randomUUID();
    const handle = await start(
      'networkCertification',
      workflowIds.networkCertification(orgId, 'VISA'),
      {
        orgId,
        network: 'VISA',
        startedAt: new Date(await product.env.currentTimeMs()).toISOString(),
        reminderAfterDays: 1,
        deadlineDays: 180,
      },
    );
    const { failure } = await outcome(handle);
    expect(failure).toMatch(/the database refused the data/);
    expect(await activityAttempts(handle)).toEqual([1]);
  });

  it('accountTemporaryBlock: a block of an account that does not exist fails the run after one attempt', async () => {
    const accountId = randomUUID();
    const until = new Date((await product.env.currentTimeMs()) + 60_000);
    const handle = await start(
      'accountTemporaryBlock',
      workflowIds.accountTemporaryBlock(accountId, until),
      {
        accountId,
        orgId: randomUUID(),
        environmentId: randomUUID(),
        until: until.toISOString(),
      },
    );
    const { failure } = await outcome(handle);
    expect(failure).toMatch(/account .* was not found/);
    expect(await activityAttempts(handle)).toEqual([1]);
  });

  it('dailyAccountSnapshot: a scheduled time that is not a time fails the run after a bounded number of attempts', async () => {
    const { orgId } = await createOrgWithKey(product.http, 'Poison Snapshot Bank');
    const handle = await start(
      'dailyAccountSnapshot',
      `${workflowIds.dailyAccountSnapshot(orgId)}-poison`,
      { orgId, scheduledAt: 'yesterday-ish' },
    );
    const { failure } = await outcome(handle);
    expect(failure).toMatch(new RegExp(`failed ${UNKNOWN_FAILURE_ATTEMPTS} times, giving up`));
    expect(await activityAttempts(handle)).toEqual([UNKNOWN_FAILURE_ATTEMPTS]);
  });

  it('accountProgramMigration: a target program id that is not a UUID fails the run after one attempt', async () => {
    const { key } = await createOrgWithKey(product.http, 'Poison Migration Bank');
    const { accountId } = await createAccount(product.http, key);
    const account = await product.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    const handle = await start(
      'accountProgramMigration',
      workflowIds.accountProgramMigration(accountId, 'not-a-uuid'),
      {
        orgId: account.orgId,
        environmentId: account.environmentId,
        accountId,
        targetProgramId: 'not-a-uuid',
        actor: 'test',
      },
    );
    const { failure } = await outcome(handle);
    expect(failure).toMatch(/the database refused the data/);
    expect(await activityAttempts(handle)).toEqual([1]);
  });
});
