import { randomUUID } from 'node:crypto';
import type { EnvironmentKind } from '../machines/environment-provisioning.js';
import type { PrismaClient } from '../runtime/prisma.js';
import { findApiKey, issueApiKey } from '../services/api-keys.js';
import { createStatusReasonService, defaultStatusReasons } from '../services/status-reasons.js';
import { inTransaction } from '../services/transactions.js';

// Where an org's environments are built. The built-in provider builds them in this product's own
// PostgreSQL, as the foundation defines an environment: a data partition (the Environment row
// every org-scoped row points at), API keys, and a starting configuration (default status
// reasons). An infrastructure provider (a cloud account per environment, say) would implement
// the same interface. Every method may be called again after a crash and must end the same way.

export interface EnvironmentRequest {
  orgId: string;
  environment: EnvironmentKind;
}

export interface EnvironmentProvider {
  /** Creates the environment, or finds it made by an earlier attempt; leaves it VERIFYING. */
  provision(request: EnvironmentRequest): Promise<{ environmentId: string }>;
  /** Checks the environment answers with its own key and sees none of another environment's data; leaves it READY. */
  verify(request: EnvironmentRequest): Promise<{ checks: string[] }>;
}

const VERIFICATION_KEY_NAME = 'Provisioning verification (removed after use)';

export function createBuiltInEnvironmentProvider({
  prisma,
}: {
  prisma: PrismaClient;
}): EnvironmentProvider {
  const reasons = createStatusReasonService({ prisma });

  async function environmentOf({ orgId, environment }: EnvironmentRequest) {
    const row = await prisma.environment.findUnique({
      where: { orgId_kind: { orgId, kind: environment } },
    });
    if (!row) throw new Error(`org ${orgId} has no ${environment} environment; provision it first`);
    return row;
  }

  return {
    async provision({ orgId, environment }) {
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

    async verify(request) {
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
        const identity = await findApiKey(prisma, key.token);
        if (identity?.environmentId !== env.id || identity.orgId !== env.orgId) {
          throw new Error(`a key of the ${env.kind} environment does not resolve to it`);
        }
        const visible = await reasons.list(identity);
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
        await prisma.environment.update({
          where: { id: env.id },
          data: { status: 'READY', verifiedAt: new Date(), provisioningError: null },
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
  };
}
