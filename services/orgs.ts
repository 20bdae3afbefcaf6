import { randomUUID } from 'node:crypto';
import { DomainFailure } from '../common/failures.js';
import type { Environment, Org } from '../generated/prisma/client.js';
import type { CardNetwork } from '../machines/network-certification.js';
import type { Address } from '../common/customers.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { issueApiKey } from './api-keys.js';
import { createOnce } from './create-once.js';
import type { ProcessStepPayload } from '../common/events.js';
import { recordEvent } from './events.js';
import type { IdSource } from './ids.js';
import { inTransaction } from './transactions.js';
import { keysetAfter, keysetOrder, readPage, type PageRequest } from './pages.js';
import type { OrgStatus } from '../generated/prisma/enums.js';
import {
  initialOrgOnboardingSnapshot,
  recordedOnboardingStages,
} from '../machines/org-onboarding.js';

// Orgs in the database: the org with its test environment and first key, its time zone, its
// environments' keys, and going live. Starting their processes is processes/orgs.ts.

export interface NewOrg {
  legalName: string;
  /** Where the org is: a postal address without a customer address's type */
  address: Omit<Address, 'type'>;
  timeZone: string;
  networks: CardNetwork[];
}

/** A step of an org's onboarding history, with its position there, as its run records it. */
export type OnboardingStepToRecord = Omit<ProcessStepPayload, 'notes'> & {
  at: string;
  notes?: string;
  process?: string;
  network?: string;
  environment?: string;
};

export type OrgWithEnvironments = Org & { environments: Environment[] };

export interface IssuedOrgKey {
  id: string;
  environmentId: string;
  environmentKind: 'TEST' | 'PRODUCTION';
  name: string;
  /** Shown to the caller once; only its hash is stored */
  token: string;
}

export function createOrgRecords({ prisma }: { prisma: PrismaClient }) {
  function get(orgId: string): Promise<OrgWithEnvironments | null> {
    return prisma.org.findUnique({
      where: { id: orgId },
      include: { environments: { orderBy: { kind: 'asc' } } },
    });
  }

  return {
    get,

    /**
     * Stores the org with its test environment and its first test key, all with ids from `ids`:
     * a second run of the same request finds what the first stored.
     */
    async create(
      input: NewOrg,
      ids: IdSource,
    ): Promise<{ org: OrgWithEnvironments; apiKey: IssuedOrgKey }> {
      const orgId = ids.uuid('org');
      const environmentId = ids.uuid('test-environment');
      const key = issueApiKey('TEST', ids);
      const name = 'Initial test key';
      const org = await createOnce(
        () => get(orgId),
        () =>
          prisma.org.create({
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
              onboardingStages: recordedOnboardingStages(
                initialOrgOnboardingSnapshot(orgId, input.networks),
              ),
              environments: {
                create: {
                  id: environmentId,
                  kind: 'TEST',
                  apiKeys: {
                    create: { id: key.id, prefix: key.prefix, secretHash: key.secretHash, name },
                  },
                },
              },
            },
            include: { environments: { orderBy: { kind: 'asc' } } },
          }),
      );
      return {
        org,
        apiKey: { id: key.id, environmentId, environmentKind: 'TEST', name, token: key.token },
      };
    },

    /** Removes an org whose processes could not be started, so a failed creation leaves nothing. */
    async remove(orgId: string): Promise<void> {
      await prisma.$transaction([
        prisma.apiKey.deleteMany({ where: { orgId } }),
        prisma.environment.deleteMany({ where: { orgId } }),
        prisma.org.deleteMany({ where: { id: orgId } }),
      ]);
    },

    /**
     * A key for one of the org's environments, issued once it is provisioned and verified. A
     * retry of the same request (ids from the same Idempotency-Key) finds the key it issued.
     */
    async issueKey(
      orgId: string,
      kind: 'TEST' | 'PRODUCTION',
      name: string,
      ids: IdSource,
    ): Promise<IssuedOrgKey> {
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
      await inTransaction(prisma, async (tx) => {
        await tx.apiKey.createMany({
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
        // Keyed by the key's id (derived from the Idempotency-Key): a retry records nothing more
        await recordEvent(tx, {
          type: 'api_key.created',
          key: `api-key:${key.id}:created`,
          orgId,
          environmentId: environment.id,
          subjectType: 'api_key',
          subjectId: key.id,
          payload: { apiKeyId: key.id, environmentId: environment.id, name, prefix: key.prefix },
        });
      });
      return {
        id: key.id,
        environmentId: environment.id,
        environmentKind: kind,
        name,
        token: key.token,
      };
    },

    /**
     * Moves the org to another time zone. `beforeCommit` runs with the org row locked, so changes
     * reach what depends on the zone (its snapshot schedule) in the order they commit; if it
     * fails, nothing is written. A move to another zone records org.time_zone_changed with it.
     */
    async changeTimeZone(
      orgId: string,
      timeZone: string,
      beforeCommit: () => Promise<void>,
    ): Promise<OrgWithEnvironments> {
      await inTransaction(prisma, async (tx) => {
        const [locked] = await tx.$queryRaw<
          { timeZone: string }[]
        >`SELECT "timeZone" FROM "Org" WHERE id = ${orgId}::uuid FOR UPDATE`;
        if (!locked) throw DomainFailure.notFound(`org ${orgId}`);
        if (locked.timeZone !== timeZone) {
          await tx.org.update({ where: { id: orgId }, data: { timeZone } });
          await recordEvent(tx, {
            type: 'org.time_zone_changed',
            key: `org:${orgId}:time-zone:${randomUUID()}`,
            orgId,
            environmentId: null,
            subjectType: 'org',
            subjectId: orgId,
            payload: { orgId, from: locked.timeZone, to: timeZone },
          });
        }
        await beforeCommit();
      });
      return (await get(orgId))!;
    },

    /** Orgs in (createdAt, id) order, with their environments, filtered by status and stage. */
    list(filter: { status?: OrgStatus; onboardingStage?: string }, page: PageRequest) {
      return readPage(page, (take) =>
        prisma.org.findMany({
          where: {
            ...(filter.status === undefined ? {} : { status: filter.status }),
            ...(filter.onboardingStage === undefined
              ? {}
              : { onboardingStages: { has: filter.onboardingStage } }),
            ...keysetAfter(page.after),
          },
          orderBy: keysetOrder,
          take,
          include: { environments: { orderBy: { kind: 'asc' } } },
        }),
      );
    },

    /**
     * Records the stages the org's onboarding run is at (the run calls it after its steps, one at
     * a time, in order): the same stages again change nothing, so a retry is harmless.
     */
    async recordOnboardingStages(
      orgId: string,
      stages: string[],
      steps: OnboardingStepToRecord[] = [],
    ): Promise<void> {
      await inTransaction(prisma, async (tx) => {
        await tx.org.updateMany({ where: { id: orgId }, data: { onboardingStages: stages } });
        // Each step of the run's history once, keyed by its position in that history
        for (const step of steps) {
          await recordEvent(tx, {
            type: 'org.onboarding_step',
            key: `org:${orgId}:onboarding:${step.index}`,
            orgId,
            environmentId: null,
            subjectType: 'org',
            subjectId: orgId,
            occurredAt: new Date(step.at),
            payload: {
              orgId,
              index: step.index,
              event: step.event,
              from: step.from,
              to: step.to,
              by: step.by,
              ...(step.notes === undefined ? {} : { notes: step.notes }),
              process: step.process ?? null,
              network: step.network ?? null,
              environment: step.environment ?? null,
            },
          });
        }
      });
    },

    /** Marks the org active once its onboarding is done; a repeat changes nothing. */
    async activate(orgId: string): Promise<void> {
      const org = await prisma.org.findUnique({ where: { id: orgId }, select: { id: true } });
      if (!org) throw DomainFailure.notFound(`org ${orgId}`);
      await inTransaction(prisma, async (tx) => {
        const { count } = await tx.org.updateMany({
          where: { id: orgId, status: 'ONBOARDING' },
          data: { status: 'ACTIVE' },
        });
        if (count === 1) {
          await recordEvent(tx, {
            type: 'org.live',
            key: `org:${orgId}:live`,
            orgId,
            environmentId: null,
            subjectType: 'org',
            subjectId: orgId,
            payload: { orgId },
          });
        }
      });
    },
  };
}

export type OrgRecords = ReturnType<typeof createOrgRecords>;
