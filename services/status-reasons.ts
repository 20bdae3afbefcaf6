import { randomUUID } from 'node:crypto';
import type { AccountStatus } from '../machines/account-status.js';
import type { PrismaClient } from '../runtime/prisma.js';
import { DomainFailure } from '../common/failures.js';
import { createOnce } from './create-once.js';
import type { IdSource } from './ids.js';
import { isUniqueViolation } from './prisma-errors.js';
import type { Tenant } from './tenant.js';

// Reasons an org gives for account status changes (seed: "Account status reasons"), e.g. a court
// order or a fraud attempt. A reason may be restricted to the target statuses it applies to.

export interface NewStatusReason {
  code: string;
  description: string;
  appliesTo: AccountStatus[];
}

/** The reason the system gives when a temporary block reaches its end. */
export const temporaryBlockExpiredReason: NewStatusReason = {
  code: 'TEMPORARY_BLOCK_EXPIRED',
  description: 'The temporary block reached its end time and was lifted automatically',
  appliesTo: ['NORMAL'],
};

/** The reasons every new environment starts with; an org adds its own beside them. */
export const defaultStatusReasons: NewStatusReason[] = [
  { code: 'CUSTOMER_REQUEST', description: 'The customer asked for it', appliesTo: [] },
  {
    code: 'FRAUD_SUSPECTED',
    description: 'Suspected fraud or a fraud attempt',
    appliesTo: ['BLOCKED', 'CANCELLED'],
  },
  { code: 'COURT_ORDER', description: 'A court ordered it', appliesTo: ['BLOCKED', 'CANCELLED'] },
  {
    code: 'ISSUE_RESOLVED',
    description: 'What caused the block or cancellation was resolved',
    appliesTo: ['NORMAL'],
  },
  temporaryBlockExpiredReason,
];

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
          () => prisma.accountStatusReason.create({ data: { id, ...tenant, ...input } }),
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

    list(tenant: Tenant) {
      return prisma.accountStatusReason.findMany({
        where: { environmentId: tenant.environmentId },
        orderBy: { createdAt: 'asc' },
      });
    },
  };
}

export type StatusReasonService = ReturnType<typeof createStatusReasonService>;

/**
 * Checks the reason given for a change to `target`: it must be this environment's and apply to
 * the target, and it must be given when the environment requires one for that target.
 * Another org's reason is reported exactly like a missing one.
 */
export async function checkReasonFor(
  db: Db,
  tenant: Tenant,
  target: AccountStatus,
  reasonId: string | undefined,
  requiredFor: AccountStatus[],
  field = 'reasonId',
): Promise<void> {
  if (!reasonId) {
    if (requiredFor.includes(target)) {
      throw DomainFailure.invalid([
        {
          field,
          rule: 'reason_required',
          message: `a reason is required for a change to ${target}`,
        },
      ]);
    }
    return;
  }
  const reason = await db.accountStatusReason.findFirst({
    where: { id: reasonId, environmentId: tenant.environmentId },
  });
  if (!reason) {
    throw DomainFailure.invalid([
      { field, rule: 'unknown_reason', message: 'is not a status reason of this org' },
    ]);
  }
  if (reason.appliesTo.length > 0 && !reason.appliesTo.includes(target)) {
    throw DomainFailure.invalid([
      {
        field,
        rule: 'reason_not_applicable',
        message: `reason ${reason.code} applies to ${reason.appliesTo.join(', ')}, not ${target}`,
      },
    ]);
  }
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
