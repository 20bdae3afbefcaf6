import { randomUUID } from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import type { Environment, Org } from '../generated/prisma/client.js';
import type { PrismaClient } from '../runtime/prisma.js';
import { Problem } from '../server/problem.js';
import {
  getOrgOnboardingQuery,
  sendOrgOnboardingEventUpdate,
  type orgOnboarding,
  type OrgOnboardingEventInput,
  type OrgOnboardingView,
} from '../workflows/org-onboarding.js';
import { issueApiKey } from './api-keys.js';
import type { SnapshotSchedules } from './snapshot-schedules.js';
import { executeMachineUpdate } from './workflow-updates.js';

export interface OrgServiceDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl?: string;
  /** False where the Temporal server lacks the project's search attributes */
  searchAttributes?: boolean;
  snapshotSchedules: SnapshotSchedules;
}

export interface NewOrg {
  legalName: string;
  address: {
    line1: string;
    line2?: string;
    city: string;
    region?: string;
    postalCode: string;
    country: string;
  };
  timeZone: string;
}

export interface WorkflowLink {
  workflowId: string;
  runId?: string;
  /** The run in the Temporal Web UI */
  uiUrl?: string;
  /** The run drawn on its machine, with its steps */
  page: string;
}

export function createOrgService(deps: OrgServiceDeps) {
  const { prisma, temporal } = deps;

  function workflowLink(workflowId: string, runId?: string): WorkflowLink {
    const base = deps.temporalUiUrl;
    const path = `/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
    return {
      workflowId,
      ...(runId ? { runId } : {}),
      ...(base ? { uiUrl: `${base}${path}${runId ? `/${runId}/history` : ''}` } : {}),
      page: `/ui/workflows/${encodeURIComponent(workflowId)}`,
    };
  }

  /**
   * Stores the org with its test environment and a test API key, then creates its daily snapshot
   * schedule and starts its onboarding workflow. If Temporal refuses either, the org is removed
   * again, so a failed request leaves nothing behind and a retry starts clean.
   */
  async function createOrg(input: NewOrg) {
    const orgId = randomUUID();
    const environmentId = randomUUID();
    const key = issueApiKey('TEST');
    const org = await prisma.org.create({
      data: {
        id: orgId,
        legalName: input.legalName,
        addressLine1: input.address.line1,
        addressLine2: input.address.line2,
        city: input.address.city,
        region: input.address.region,
        postalCode: input.address.postalCode,
        country: input.address.country,
        timeZone: input.timeZone,
        environments: {
          create: {
            id: environmentId,
            kind: 'TEST',
            apiKeys: {
              create: { id: key.id, prefix: key.prefix, secretHash: key.secretHash, name: 'Initial test key' },
            },
          },
        },
      },
      include: { environments: true },
    });

    const workflowId = workflowIds.orgOnboarding(orgId);
    let runId: string;
    try {
      await deps.snapshotSchedules.create(orgId, input.timeZone);
      const handle = await temporal.workflow.start<typeof orgOnboarding>('orgOnboarding', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [{ orgId }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        typedSearchAttributes:
          deps.searchAttributes === false
            ? []
            : [
                { key: searchAttributes.orgId, value: orgId },
                { key: searchAttributes.onboardingStage, value: 'provisioningTestEnvironment' },
              ],
      });
      runId = handle.firstExecutionRunId;
    } catch (error) {
      await deps.snapshotSchedules.delete(orgId).catch(() => undefined);
      await prisma.$transaction([
        prisma.apiKey.deleteMany({ where: { orgId } }),
        prisma.environment.deleteMany({ where: { orgId } }),
        prisma.org.deleteMany({ where: { id: orgId } }),
      ]);
      throw new Problem('DEPENDENCY_UNAVAILABLE', `the org could not be created: Temporal refused to start its onboarding (${(error as Error).message})`);
    }

    return {
      org,
      apiKey: { id: key.id, environmentId, environmentKind: 'TEST' as const, token: key.token },
      onboarding: workflowLink(workflowId, runId),
    };
  }

  async function getOrg(orgId: string): Promise<(Org & { environments: Environment[] }) | null> {
    return prisma.org.findUnique({
      where: { id: orgId },
      include: { environments: { orderBy: { kind: 'asc' } } },
    });
  }

  /** The onboarding process as its workflow sees it now, or null if Temporal no longer has it. */
  async function getOnboarding(orgId: string): Promise<{ view: OrgOnboardingView; link: WorkflowLink } | null> {
    const handle = temporal.workflow.getHandle(workflowIds.orgOnboarding(orgId));
    try {
      const [view, description] = await Promise.all([handle.query(getOrgOnboardingQuery), handle.describe()]);
      return { view, link: workflowLink(handle.workflowId, description.runId) };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  async function sendOnboardingEvent(orgId: string, event: OrgOnboardingEventInput): Promise<OrgOnboardingView> {
    const handle = temporal.workflow.getHandle(workflowIds.orgOnboarding(orgId));
    return executeMachineUpdate(handle, sendOrgOnboardingEventUpdate, event, `onboarding of org ${orgId}`);
  }

  /**
   * Moves the org to another time zone and its daily snapshot with it. The schedule moves while
   * the org row is locked, so concurrent changes reach the schedule in the order they commit; if
   * Temporal refuses, nothing is written.
   */
  async function changeTimeZone(orgId: string, timeZone: string) {
    await prisma.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Org" WHERE id = ${orgId}::uuid FOR UPDATE`;
      if (locked.length === 0) throw Problem.notFound(`org ${orgId}`);
      await tx.org.update({ where: { id: orgId }, data: { timeZone } });
      await deps.snapshotSchedules.moveTo(orgId, timeZone);
    });
    return (await getOrg(orgId))!;
  }

  return { createOrg, getOrg, getOnboarding, sendOnboardingEvent, workflowLink, changeTimeZone };
}

export type OrgService = ReturnType<typeof createOrgService>;
