import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { workflowIds } from '../common/temporal-names.js';
import { mergeChanges } from '../machines/account-application.js';
import type {
  CertificationHumanEvent,
  CertificationStage,
} from '../machines/network-certification.js';
import { runOwnership } from '../processes/workflow-starts.js';
import {
  updateApplicationUpdate,
  type accountApplication,
  type AccountApplicationInput,
} from '../workflows/account-application.js';
import { sendCertificationEventUpdate } from '../workflows/network-certification.js';
import type { BenchContext } from './context.js';
import { figure, measureInTurn, type Figure } from './measure.js';

// The API's calls into Temporal, each as a sequential p50 against the same call made directly
// with a Temporal Client, to the same server and worker: what the HTTP layer and the product's
// own checks add around one Update or one start.

const KICKOFF_WITHIN_MS = 120_000;
const DRAFT_EXPIRES_AFTER_MS = 30 * 24 * 3600 * 1000;

type CertificationEvent = CertificationHumanEvent['type'];
const stageAfter: Partial<Record<CertificationEvent, CertificationStage>> = {
  KICKOFF_HELD: 'testPlanning',
  TEST_PLAN_AGREED: 'testing',
  RESULTS_SUBMITTED: 'underReview',
  FAILED: 'retesting',
};

/**
 * The org's Visa certification moved over HTTP, its Mastercard one directly, both through the
 * same stages; then FAILED and RESULTS_SUBMITTED in turn, which can repeat forever, are timed.
 */
export async function benchOnboardingEvent(ctx: BenchContext): Promise<Figure> {
  await untilCertificationsAtKickoff(ctx);
  const visa = workflowIds.networkCertification(ctx.orgId, 'VISA');
  const viaHttp = async (type: CertificationEvent) => {
    const answer = await ctx.call<{
      run: string;
      workflow: { workflowId: string };
      state: { stage: string };
    }>('POST', `/v1/orgs/${ctx.orgId}/onboarding/events`, ctx.operatorKey, {
      type,
      network: 'VISA',
    });
    if (
      answer.run !== 'networkCertification' ||
      answer.workflow.workflowId !== visa ||
      answer.state.stage !== stageAfter[type]
    )
      throw new Error(`${type} over HTTP answered ${JSON.stringify(answer)}`);
  };
  const mastercard = ctx.temporal.workflow.getHandle(
    workflowIds.networkCertification(ctx.orgId, 'MASTERCARD'),
  );
  const direct = async (type: CertificationEvent) => {
    const view = await mastercard.executeUpdate(sendCertificationEventUpdate, {
      args: [{ type, by: 'bench' }],
    });
    if (view.stage !== stageAfter[type]) throw new Error(`${type} left the run at ${view.stage}`);
  };
  for (const type of ['KICKOFF_HELD', 'TEST_PLAN_AGREED', 'RESULTS_SUBMITTED'] as const) {
    await viaHttp(type);
    await direct(type);
  }
  const event = (i: number): CertificationEvent => (i % 2 === 0 ? 'FAILED' : 'RESULTS_SUBMITTED');
  const { baseline, product } = await measureInTurn(
    (i) => direct(event(i)),
    (i) => viaHttp(event(i)),
    ctx.sizes.sequential,
  );
  return figure(
    'onboarding event',
    'ms',
    '<= 1.3x',
    sequentialLoad(product.operations, ctx),
    { label: 'POST /v1/orgs/:orgId/onboarding/events (Visa)', value: product.p50Ms },
    {
      label: 'executeUpdate(sendCertificationEvent) with a Temporal Client (Mastercard)',
      value: baseline.p50Ms,
    },
  );
}

async function untilCertificationsAtKickoff(ctx: BenchContext): Promise<void> {
  const deadline = Date.now() + KICKOFF_WITHIN_MS;
  for (;;) {
    const overview = await ctx.call<{ processes: { process: string; stage: string }[] }>(
      'GET',
      `/v1/orgs/${ctx.orgId}/onboarding`,
      ctx.operatorKey,
    );
    const certifications = overview.processes.filter((p) => p.process === 'certification');
    if (certifications.length === 2 && certifications.every((p) => p.stage === 'kickoff')) return;
    if (Date.now() > deadline)
      throw new Error(`certifications not at kickoff in time: ${JSON.stringify(certifications)}`);
    await sleep(200);
  }
}

interface Application {
  id: string;
  status: string;
  programId: string | null;
}

function createDraft(ctx: BenchContext): Promise<Application> {
  return ctx
    .call<Application>(
      'POST',
      '/v1/account-applications',
      ctx.orgKey,
      { programId: ctx.programId },
      201,
    )
    .then((draft) => {
      if (draft.status !== 'DRAFT' || draft.programId !== ctx.programId)
        throw new Error(`a new application answered ${JSON.stringify(draft)}`);
      return draft;
    });
}

/** Updates of a draft over HTTP, against the same Update of another draft sent directly. */
export async function benchApplicationUpdate(ctx: BenchContext): Promise<Figure> {
  const [httpDraft, directDraft] = [await createDraft(ctx), await createDraft(ctx)];
  const changes = { programId: ctx.programId };
  const viaHttp = async () => {
    const application = await ctx.call<Application>(
      'PATCH',
      `/v1/account-applications/${httpDraft.id}`,
      ctx.orgKey,
      changes,
    );
    if (application.status !== 'DRAFT' || application.programId !== ctx.programId)
      throw new Error(`an update answered ${JSON.stringify(application)}`);
  };
  const handle = ctx.temporal.workflow.getHandle(workflowIds.accountApplication(directDraft.id));
  const direct = async () => {
    const view = await handle.executeUpdate(updateApplicationUpdate, {
      args: [{ changes, by: 'bench' }],
    });
    if (view.status !== 'DRAFT' || view.data.programId !== ctx.programId)
      throw new Error(`a direct update left ${JSON.stringify(view)}`);
  };
  const { baseline, product } = await measureInTurn(direct, viaHttp, ctx.sizes.sequential);
  return figure(
    'application update',
    'ms',
    '<= 1.3x',
    sequentialLoad(product.operations, ctx),
    { label: 'PATCH /v1/account-applications/:id', value: product.p50Ms },
    { label: 'executeUpdate(updateApplication) with a Temporal Client', value: baseline.p50Ms },
  );
}

/** New drafts over HTTP, against starting the same workflow directly with the same input. */
export async function benchApplicationStart(ctx: BenchContext): Promise<Figure> {
  const tenant = { orgId: ctx.orgId, environmentId: ctx.environmentId };
  const direct = async () => {
    const applicationId = randomUUID();
    const input: AccountApplicationInput = {
      applicationId,
      ...tenant,
      data: mergeChanges({ additionalCustomers: [] }, { programId: ctx.programId }),
      submit: false,
      by: 'bench',
      draftExpiresAfterMs: DRAFT_EXPIRES_AFTER_MS,
    };
    // Started as the product starts it: the same id policy, memo and search attributes.
    const handle = await ctx.temporal.workflow.start<typeof accountApplication>(
      'accountApplication',
      {
        workflowId: workflowIds.accountApplication(applicationId),
        taskQueue: ctx.taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        ...runOwnership({}, tenant),
      },
    );
    if (!handle.firstExecutionRunId) throw new Error('a direct start returned no run');
  };
  const { baseline, product } = await measureInTurn(
    direct,
    () => createDraft(ctx).then(() => undefined),
    ctx.sizes.sequential,
  );
  return figure(
    'application start',
    'ms',
    '<= 1.2x',
    sequentialLoad(product.operations, ctx),
    { label: 'POST /v1/account-applications (a draft)', value: product.p50Ms },
    { label: "workflow.start('accountApplication') with a Temporal Client", value: baseline.p50Ms },
  );
}

function sequentialLoad(operations: number, ctx: BenchContext): string {
  return `sequential, p50 of ${operations} after ${ctx.sizes.sequential.warmupPerWorker} warm-up`;
}
