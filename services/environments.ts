import { randomUUID } from 'node:crypto';
import { storableText } from '../common/text.js';
import type {
  EnvironmentKind,
  ProvisioningStepName,
} from '../machines/environment-provisioning.js';
import { defaultStatusReasons } from '../machines/status-reasons.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { issueApiKey, type ApiKeys } from './api-keys.js';
import { recordEvent } from './events.js';
import type { StatusReasonService } from './status-reasons.js';
import { inTransaction } from './transactions.js';

// An org's environments as this product builds them in its own PostgreSQL (the built-in
// environment provider): the data partition every org-scoped row points at, with its starting
// configuration (the default status reasons), and a check that it answers with its own key and
// sees none of another environment's data. Every step may run again after a crash and ends the
// same way.

export interface EnvironmentRequest {
  orgId: string;
  environment: EnvironmentKind;
}

const VERIFICATION_KEY_NAME = 'Provisioning verification (removed after use)';

export function createEnvironments(deps: {
  prisma: PrismaClient;
  apiKeys: ApiKeys;
  statusReasons: StatusReasonService;
}) {
  const { prisma, apiKeys, statusReasons } = deps;

  async function environmentOf({ orgId, environment }: EnvironmentRequest) {
    const row = await prisma.environment.findUnique({
      where: { orgId_kind: { orgId, kind: environment } },
    });
    if (!row) throw new Error(`org ${orgId} has no ${environment} environment; provision it first`);
    return row;
  }

  return {
    /** Creates the environment, or finds it made by an earlier attempt; leaves it VERIFYING. */
    async provision({
      orgId,
      environment,
    }: EnvironmentRequest): Promise<{ environmentId: string }> {
      const org = await prisma.org.findUnique({ where: { id: orgId }, select: { id: true } });
      if (!org) throw new Error(`org ${orgId} does not exist`);
      return inTransaction(prisma, async (tx) => {
        const row = await tx.environment.upsert({
          where: { orgId_kind: { orgId, kind: environment } },
          create: { id: randomUUID(), orgId, kind: environment, status: 'PROVISIONING' },
          update: {},
        });
        await tx.accountStatusReason.createMany({
          data: defaultStatusReasons.map((reason) => ({
            id: randomUUID(),
            orgId,
            environmentId: row.id,
            ...reason,
          })),
          skipDuplicates: true,
        });
        if (row.status !== 'READY') {
          await tx.environment.update({
            where: { id: row.id },
            data: { status: 'VERIFYING', provisioningError: null },
          });
        }
        return { environmentId: row.id };
      });
    },

    /** Checks the environment answers with its own key and sees none of another's data; leaves it READY. */
    async verify(request: EnvironmentRequest): Promise<{ checks: string[] }> {
      const env = await environmentOf(request);
      // A key made for this check only, removed again whatever the outcome, so retries leave none behind.
      await prisma.apiKey.deleteMany({
        where: { environmentId: env.id, name: VERIFICATION_KEY_NAME },
      });
      const key = issueApiKey(env.kind);
      await prisma.apiKey.create({
        data: {
          id: key.id,
          orgId: env.orgId,
          environmentId: env.id,
          prefix: key.prefix,
          secretHash: key.secretHash,
          name: VERIFICATION_KEY_NAME,
        },
      });
      try {
        const identity = await apiKeys.find(key.token);
        if (identity?.environmentId !== env.id || identity.orgId !== env.orgId) {
          throw new Error(`a key of the ${env.kind} environment does not resolve to it`);
        }
        const visible = await statusReasons.list(identity);
        const missing = defaultStatusReasons.filter((r) => !visible.some((v) => v.code === r.code));
        if (missing.length > 0)
          throw new Error(
            `the environment lacks its default status reasons: ${missing.map((r) => r.code).join(', ')}`,
          );
        const foreign = visible.filter((v) => v.environmentId !== env.id);
        if (foreign.length > 0)
          throw new Error(
            `the environment's key sees ${foreign.length} rows of another environment`,
          );
        const others = await prisma.accountStatusReason.findMany({
          where: { orgId: env.orgId, environmentId: { not: env.id } },
          select: { id: true },
        });
        const leaked = others.filter((o) => visible.some((v) => v.id === o.id));
        if (leaked.length > 0)
          throw new Error(
            `the environment's key sees ${leaked.length} rows of the org's other environment`,
          );
        await inTransaction(prisma, async (tx) => {
          await tx.environment.update({
            where: { id: env.id },
            data: { status: 'READY', verifiedAt: new Date(), provisioningError: null },
          });
          // Once per environment, however often verification runs again
          await recordEvent(tx, {
            type: 'environment.ready',
            key: `environment:${env.id}:ready`,
            orgId: env.orgId,
            environmentId: null,
            subjectType: 'environment',
            subjectId: env.id,
            payload: { orgId: env.orgId, environmentId: env.id, kind: env.kind },
          });
        });
        return {
          checks: [
            'its own key resolves to it',
            `its ${defaultStatusReasons.length} default status reasons are there`,
            `none of the ${others.length} rows of the org's other environments show through its key`,
          ],
        };
      } finally {
        await prisma.apiKey.deleteMany({ where: { id: key.id } });
      }
    },

    /** Shows a step that ran out of retries on the environment itself. */
    async recordFailure(
      failure: EnvironmentRequest & { step: ProvisioningStepName; error: string },
      /** Names this failure (the recording activity's own id): its event is written once */
      operationId: string = randomUUID(),
    ): Promise<void> {
      const error = storableText(`${failure.step}: ${failure.error}`).slice(0, 1000);
      await inTransaction(prisma, async (tx) => {
        const { count } = await tx.environment.updateMany({
          where: { orgId: failure.orgId, kind: failure.environment, status: { not: 'READY' } },
          data: { status: 'FAILED', provisioningError: error },
        });
        if (count === 0) return;
        const env = await tx.environment.findUnique({
          where: { orgId_kind: { orgId: failure.orgId, kind: failure.environment } },
          select: { id: true },
        });
        await recordEvent(tx, {
          type: 'environment.failed',
          key: `environment-failure:${operationId}`,
          orgId: failure.orgId,
          environmentId: null,
          subjectType: 'environment',
          subjectId: env?.id ?? `${failure.orgId}:${failure.environment}`,
          payload: {
            orgId: failure.orgId,
            environmentId: env?.id ?? null,
            kind: failure.environment,
            step: failure.step,
            error,
          },
        });
      });
    },
  };
}

export type Environments = ReturnType<typeof createEnvironments>;
