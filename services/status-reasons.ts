import { randomUUID } from 'node:crypto';
import { DomainFailure } from '../common/failures.js';
import type { AccountStatus } from '../machines/account-status.js';
import { reasonRefusal, type NewStatusReason } from '../machines/status-reasons.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { createOnce } from './create-once.js';
import { recordEvent } from './events.js';
import type { IdSource } from './ids.js';
import { isUniqueViolation } from './prisma-errors.js';
import type { Tenant } from './tenant.js';
import { inTransaction } from './transactions.js';
import { keysetAfter, keysetOrder, readPage, type PageRequest } from './pages.js';

// An environment's status reasons in the database; what a reason may be given for is the rule of
// machines/status-reasons.ts.

type Db = Pick<PrismaClient, 'accountStatusReason'>;

export function createStatusReasonService({ prisma }: { prisma: PrismaClient }) {
  return {
    async create(tenant: Tenant, input: NewStatusReason, ids: IdSource) {
      const id = ids.uuid('status-reason');
      try {
        return await createOnce(
          () =>
            prisma.accountStatusReason.findFirst({
              where: { id, environmentId: tenant.environmentId },
            }),
          () =>
            inTransaction(prisma, async (tx) => {
              const reason = await tx.accountStatusReason.create({
                data: { id, ...tenant, ...input },
              });
              await recordEvent(tx, {
                type: 'status_reason.created',
                key: `status-reason:${id}:created`,
                ...tenant,
                subjectType: 'status_reason',
                subjectId: id,
                occurredAt: reason.createdAt,
                payload: {
                  reasonId: id,
                  code: reason.code,
                  description: reason.description,
                  appliesTo: reason.appliesTo,
                },
              });
              return reason;
            }),
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new DomainFailure('CONFLICT', `a reason with code ${input.code} already exists`, {
          errors: [{ field: 'code', rule: 'unique', message: 'is already used by another reason' }],
        });
      }
    },

    async get(tenant: Tenant, id: string) {
      const reason = await prisma.accountStatusReason.findFirst({
        where: { id, environmentId: tenant.environmentId },
      });
      if (!reason) throw DomainFailure.notFound(`status reason ${id}`);
      return reason;
    },

    /** Every reason of the environment (a few dozen at most), oldest first. */
    list(tenant: Tenant) {
      return prisma.accountStatusReason.findMany({
        where: { environmentId: tenant.environmentId },
        orderBy: keysetOrder,
      });
    },

    /** A page of the environment's reasons in (createdAt, id) order, after `page.after`. */
    page(tenant: Tenant, page: PageRequest) {
      return readPage(page, (take) =>
        prisma.accountStatusReason.findMany({
          where: { environmentId: tenant.environmentId, ...keysetAfter(page.after) },
          orderBy: keysetOrder,
          take,
        }),
      );
    },
  };
}

export type StatusReasonService = ReturnType<typeof createStatusReasonService>;

/** Refuses the reason given for a change to `target` where the rules do not allow it. */
export async function checkReasonFor(
  db: Db,
  tenant: Tenant,
  target: AccountStatus,
  reasonId: string | undefined,
  requiredFor: AccountStatus[],
): Promise<{ id: string; code: string; description: string } | null> {
  const reason = reasonId
    ? await db.accountStatusReason.findFirst({
        where: { id: reasonId, environmentId: tenant.environmentId },
      })
    : undefined;
  const refusal = reasonRefusal(target, reason, requiredFor);
  if (refusal) throw refusal;
  return reason ? { id: reason.id, code: reason.code, description: reason.description } : null;
}

/** The system's own reason in this environment, created on first use. */
export async function systemReason(
  db: Db,
  tenant: Tenant,
  reason: NewStatusReason,
): Promise<string> {
  const row = await db.accountStatusReason.upsert({
    where: { environmentId_code: { environmentId: tenant.environmentId, code: reason.code } },
    create: { id: randomUUID(), ...tenant, ...reason },
    update: {},
    select: { id: true },
  });
  return row.id;
}
