import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import type { Environment, Org } from '../generated/prisma/client.js';
import type { PrismaClient } from '../runtime/prisma.js';
import { DomainFailure } from '../common/failures.js';
import type { CardNetwork } from '../machines/network-certification.js';
import type { OnboardingSettings } from '../runtime/config.js';
import { activeStages, initialOrgOnboardingSnapshot } from '../machines/org-onboarding.js';
import type { orgOnboarding } from '../workflows/org-onboarding.js';
import { issueApiKey, type IssuedApiKey } from './api-keys.js';
import type { IdSource } from './ids.js';
import { createOnce } from './create-once.js';
import { startOnce } from './workflow-starts.js';
import type { WorkflowLink, WorkflowLinkFn } from './workflow-links.js';
import type { SnapshotSchedules } from './snapshot-schedules.js';
import { inTransaction } from './transactions.js';

export interface OrgServiceDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl?: string;
  /** False where the Temporal server lacks the project's search attributes */
  searchAttributes?: boolean;
  onboarding: OnboardingSettings;
  workflowLink: WorkflowLinkFn;
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
  networks: CardNetwork[];
}

export function createOrgService(deps: OrgServiceDeps) {
  const { prisma, temporal } = deps;

  const { workflowLink } = deps;

  /**
   * Stores the org with its test environment and a test API key, then creates its daily snapshot
   * schedule and starts its onboarding workflow. With ids derived from an Idempotency-Key, running
   * this again (after a crash) finds the org, the key and the run the first attempt made and
   * finishes what it did not. If Temporal refuses, the org is removed again, so a failed request
   * leaves nothing behind and a retry starts clean.
   */
  async function createOrg(input: NewOrg, ids: IdSource) {
    const orgId = ids.uuid('org');
    const environmentId = ids.uuid('test-environment');
    const key = issueApiKey('TEST', ids);
    const org = await createOnce(
      () => getOrg(orgId),
      () => insertOrg(input, orgId, environmentId, key),
    );

    let onboarding: WorkflowLink;
    try {
      await deps.snapshotSchedules.create(orgId, input.timeZone);
      onboarding = await startOnboarding(org, ids.operationId);
    } catch (error) {
      await deps.snapshotSchedules.delete(orgId).catch(() => undefined);
      await prisma.$transaction([
        prisma.apiKey.deleteMany({ where: { orgId } }),
        prisma.environment.deleteMany({ where: { orgId } }),
        prisma.org.deleteMany({ where: { id: orgId } }),
      ]);
      throw new DomainFailure(
        'DEPENDENCY_UNAVAILABLE',
        `the org could not be created: Temporal refused to start its onboarding (${(error as Error).message})`,
      );
    }

    return {
      org,
      apiKey: { id: key.id, environmentId, environmentKind: 'TEST' as const, token: key.token },
      onboarding,
    };
  }

  function insertOrg(input: NewOrg, orgId: string, environmentId: string, key: IssuedApiKey) {
    return prisma.org.create({
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
        networks: input.networks,
        environments: {
          create: {
            id: environmentId,
            kind: 'TEST',
            apiKeys: {
              create: {
                id: key.id,
                prefix: key.prefix,
                secretHash: key.secretHash,
                name: 'Initial test key',
              },
            },
          },
        },
      },
      include: { environments: { orderBy: { kind: 'asc' } } },
    });
  }

  /**
   * Starts the org's onboarding. Its id is the org's, and a run that exists (running or ended)
   * is never replaced: a second start is refused (WorkflowExecutionAlreadyStartedError) and
   * starts nothing, unless that run was started by the same operation, which adopts it.
   */
  async function startOnboarding(
    org: Pick<Org, 'id' | 'networks'>,
    operationId: string,
  ): Promise<WorkflowLink> {
    const run = await startOnce(temporal, workflowIds.orgOnboarding(org.id), operationId, (memo) =>
      temporal.workflow.start<typeof orgOnboarding>('orgOnboarding', {
        workflowId: workflowIds.orgOnboarding(org.id),
        taskQueue: deps.taskQueue,
        args: [
          {
            orgId: org.id,
            networks: org.networks,
            certification: deps.onboarding.certification,
            provisioningAttemptsPerStep: deps.onboarding.provisioningAttemptsPerStep,
          },
        ],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        memo: { orgId: org.id, ...memo },
        typedSearchAttributes:
          deps.searchAttributes === false
            ? []
            : [
                { key: searchAttributes.orgId, value: org.id },
                {
                  key: searchAttributes.stage,
                  value: activeStages(initialOrgOnboardingSnapshot(org.id, org.networks)),
                },
              ],
      }),
    );
    return workflowLink(run.workflowId, run.runId);
  }

  /**
   * A new API key for one of the org's environments. Production gets keys only once its
   * environment has been provisioned and verified.
   */
  async function issueOrgApiKey(
    orgId: string,
    kind: 'TEST' | 'PRODUCTION',
    name: string,
    ids: IdSource,
  ) {
    const environment = await prisma.environment.findUnique({
      where: { orgId_kind: { orgId, kind } },
    });
    if (environment?.status !== 'READY') {
      throw new DomainFailure(
        'OPERATION_NOT_ALLOWED',
        `the org's ${kind} environment is ${environment ? environment.status : 'not provisioned yet'}; keys are issued once it is provisioned and verified (READY)`,
        { environment: kind, environmentStatus: environment?.status ?? null },
      );
    }
    const key = issueApiKey(kind, ids);
    // A retry of the same request finds the key its first attempt issued
    await prisma.apiKey.createMany({
      data: [
        {
          id: key.id,
          orgId,
          environmentId: environment.id,
          prefix: key.prefix,
          secretHash: key.secretHash,
          name,
        },
      ],
      skipDuplicates: true,
    });
    return {
      id: key.id,
      environmentId: environment.id,
      environmentKind: kind,
      name,
      token: key.token,
    };
  }

  async function getOrg(orgId: string): Promise<(Org & { environments: Environment[] }) | null> {
    return prisma.org.findUnique({
      where: { id: orgId },
      include: { environments: { orderBy: { kind: 'asc' } } },
    });
  }

  /**
   * Moves the org to another time zone and its daily snapshot with it. The schedule moves while
   * the org row is locked, so concurrent changes reach the schedule in the order they commit; if
   * Temporal refuses, nothing is written.
   */
  async function changeTimeZone(orgId: string, timeZone: string) {
    await inTransaction(prisma, async (tx) => {
      const locked = await tx.$queryRaw<
        { id: string }[]
      >`SELECT id FROM "Org" WHERE id = ${orgId}::uuid FOR UPDATE`;
      if (locked.length === 0) throw DomainFailure.notFound(`org ${orgId}`);
      await tx.org.update({ where: { id: orgId }, data: { timeZone } });
      await deps.snapshotSchedules.moveTo(orgId, timeZone);
    });
    return (await getOrg(orgId))!;
  }

  return { createOrg, startOnboarding, getOrg, issueOrgApiKey, changeTimeZone };
}

export type OrgService = ReturnType<typeof createOrgService>;
