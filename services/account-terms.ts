import type { Prisma } from '../generated/prisma/client.js';
import type {
  AccountEventKind,
  AccountStatus,
  CardNetwork,
  ProgramType,
} from '../generated/prisma/enums.js';
import type { PrismaClient } from '../runtime/prisma.js';
import { DomainFailure, type FieldIssue } from '../common/failures.js';
import { checkVersion } from './accounts.js';
import { CHANGE_CUTOFF_DAYS, cycleClosingDate, lastChangeDate } from './credit-cycle.js';
import { dateColumn, localDate } from './plain-dates.js';
import type { Actor, Tenant } from './tenant.js';
import { inTransaction, type Tx } from './transactions.js';

// The terms of an account beyond its status: the program it belongs to and, for credit, the day
// its bill is due. Each change locks the account row, decides on the latest state, bumps the
// version and appends one AccountEvent, in one transaction.

interface LockedTerms {
  id: string;
  status: AccountStatus;
  version: number;
  dueDay: number | null;
  dueDayCycleClosesOn: Date | null;
  dueDayChangesInCycle: number;
  programId: string;
  type: ProgramType;
  cardNetwork: CardNetwork;
  currency: string;
  dueDays: number[];
  dueDayChangeLimit: number;
  timeZone: string;
}

export interface ProgramMigrationOutcome {
  changed: boolean;
  fromProgramId: string;
  toProgramId: string;
  version: number;
}

async function lockTerms(tx: Tx, tenant: Tenant, accountId: string): Promise<LockedTerms> {
  const rows = await tx.$queryRaw<LockedTerms[]>`
    SELECT a.id, a.status::text AS status, a.version, a."dueDay", a."dueDayCycleClosesOn", a."dueDayChangesInCycle",
           a."programId", p.type::text AS type, p."cardNetwork"::text AS "cardNetwork", p.currency, p."dueDays",
           p."dueDayChangeLimit", o."timeZone"
    FROM "Account" a
    JOIN "Program" p ON p.id = a."programId"
    JOIN "Org" o ON o.id = a."orgId"
    WHERE a.id = ${accountId}::uuid AND a."environmentId" = ${tenant.environmentId}::uuid
    FOR UPDATE OF a`;
  const row = rows[0];
  if (!row) throw DomainFailure.notFound(`account ${accountId}`);
  return row;
}

async function appendEvent(
  tx: Tx,
  tenant: Tenant,
  accountId: string,
  event: {
    kind: AccountEventKind;
    details: Prisma.InputJsonObject;
    version: number;
    operationId?: string;
  },
  actor: Actor,
) {
  await tx.accountEvent.create({
    data: {
      ...tenant,
      accountId,
      kind: event.kind,
      details: event.details,
      accountVersion: event.version,
      operationId: event.operationId ?? null,
      actor: actor.actor,
      requestId: actor.requestId ?? null,
    },
  });
}

export function createAccountTermsService({ prisma }: { prisma: PrismaClient }) {
  return {
    /**
     * Moves the account to another program of the same type, currency and card network. A credit
     * account's due day must be one the target offers; otherwise the refusal lists the target's
     * due days, so a due day change can come first. Already in the target: nothing changes.
     * A migration already made by the same operation (a retried activity or request) is
     * answered as it happened, before any precondition: its If-Match version is history now.
     */
    async migrateProgram(
      tenant: Tenant,
      accountId: string,
      targetProgramId: string,
      expectedVersion: number | undefined,
      actor: Actor,
      operationId?: string,
    ): Promise<ProgramMigrationOutcome> {
      return inTransaction(prisma, async (tx) => {
        const account = await lockTerms(tx, tenant, accountId);
        const done = operationId
          ? await tx.accountEvent.findFirst({
              where: { accountId: account.id, operationId, kind: 'PROGRAM_MIGRATION' },
            })
          : null;
        if (done) {
          const { fromProgramId, toProgramId } = done.details as {
            fromProgramId: string;
            toProgramId: string;
          };
          return { changed: true, fromProgramId, toProgramId, version: done.accountVersion };
        }
        checkVersion(account, expectedVersion);
        const unchanged = {
          changed: false,
          fromProgramId: account.programId,
          toProgramId: targetProgramId,
          version: account.version,
        };
        if (account.programId === targetProgramId) return unchanged;
        const target = await tx.program.findFirst({
          where: { id: targetProgramId, environmentId: tenant.environmentId },
        });
        const field = 'targetProgramId';
        if (!target)
          throw DomainFailure.invalid([
            { field, rule: 'unknown_program', message: 'is not a program of this org' },
          ]);
        if (account.status === 'CANCELLED') {
          throw new DomainFailure(
            'OPERATION_NOT_ALLOWED',
            'a CANCELLED account cannot move to another program',
            { currentStatus: account.status },
          );
        }
        const mismatches: FieldIssue[] = (['type', 'currency', 'cardNetwork'] as const)
          .filter((key) => target[key] !== account[key])
          .map((key) => ({
            field,
            rule: `${key === 'cardNetwork' ? 'network' : key}_mismatch`,
            message: `must have the same ${key === 'cardNetwork' ? 'card network' : key} as the account's program (${account[key]}, not ${target[key]})`,
          }));
        if (mismatches.length > 0) throw DomainFailure.invalid(mismatches);
        if (
          account.type === 'CREDIT' &&
          (account.dueDay === null || !target.dueDays.includes(account.dueDay))
        ) {
          throw new DomainFailure(
            'CONFLICT',
            `the target program does not offer due day ${account.dueDay}; change the account's due day to one of ${target.dueDays.join(', ')} first`,
            {
              dueDayOptions: target.dueDays,
              errors: [
                {
                  field,
                  rule: 'due_day_not_offered',
                  message: `does not offer the account's due day ${account.dueDay}`,
                },
              ],
            },
          );
        }
        const version = account.version + 1;
        await tx.account.update({
          where: { id: account.id },
          data: { programId: target.id, version },
        });
        await appendEvent(
          tx,
          tenant,
          account.id,
          {
            kind: 'PROGRAM_MIGRATION',
            details: { fromProgramId: account.programId, toProgramId: target.id },
            version,
            operationId,
          },
          actor,
        );
        return { changed: true, fromProgramId: account.programId, toProgramId: target.id, version };
      });
    },

    /**
     * Moves a credit account's due day later, to a day its program offers: at most the program's
     * dueDayChangeLimit times per credit cycle, and no later than CHANGE_CUTOFF_DAYS before the
     * current cycle closes (dates in the org's time zone).
     */
    async changeDueDay(
      tenant: Tenant,
      accountId: string,
      dueDay: number,
      expectedVersion: number | undefined,
      actor: Actor,
      now: Date,
    ) {
      await inTransaction(prisma, async (tx) => {
        const account = await lockTerms(tx, tenant, accountId);
        checkVersion(account, expectedVersion);
        const refuse = (rule: string, message: string, extensions: Record<string, unknown> = {}) =>
          new DomainFailure('VALIDATION', `dueDay: ${message}`, {
            errors: [{ field: 'dueDay', rule, message }],
            ...extensions,
          });
        if (account.type !== 'CREDIT' || account.dueDay === null)
          throw refuse('credit_only', 'only credit accounts have a due day');
        if (!account.dueDays.includes(dueDay)) {
          throw refuse(
            'not_offered',
            `must be one of the program's due days: ${account.dueDays.join(', ')}`,
            { dueDayOptions: account.dueDays },
          );
        }
        if (dueDay <= account.dueDay)
          throw refuse('not_later', `must be later than the current due day ${account.dueDay}`);
        const today = localDate(now, account.timeZone);
        const lastDay = lastChangeDate(account.dueDay, today);
        if (today > lastDay) {
          throw new DomainFailure(
            'CONFLICT',
            `the due day can change until ${CHANGE_CUTOFF_DAYS} days before the credit cycle closes (${cycleClosingDate(account.dueDay, today)}); try again in the next cycle`,
            {
              errors: [
                {
                  field: 'dueDay',
                  rule: 'too_close_to_cycle_closing',
                  message: `cannot change after ${lastDay} in this cycle`,
                },
              ],
            },
          );
        }
        const closesOn = account.dueDayCycleClosesOn?.toISOString().slice(0, 10);
        const changesInCycle =
          closesOn !== undefined && closesOn >= today ? account.dueDayChangesInCycle : 0;
        if (changesInCycle >= account.dueDayChangeLimit) {
          throw new DomainFailure(
            'CONFLICT',
            `the due day already changed ${changesInCycle} time(s) in this credit cycle, as often as the program allows; try again after ${closesOn}`,
            {
              errors: [
                {
                  field: 'dueDay',
                  rule: 'change_limit_per_cycle',
                  message: `may change ${account.dueDayChangeLimit} time(s) per credit cycle`,
                },
              ],
            },
          );
        }
        const version = account.version + 1;
        const cycleClosesOn = cycleClosingDate(dueDay, today);
        await tx.account.update({
          where: { id: account.id },
          data: {
            dueDay,
            dueDayCycleClosesOn: dateColumn(cycleClosesOn),
            dueDayChangesInCycle: changesInCycle + 1,
            version,
          },
        });
        await appendEvent(
          tx,
          tenant,
          account.id,
          {
            kind: 'DUE_DAY_CHANGE',
            details: { fromDueDay: account.dueDay, toDueDay: dueDay, cycleClosesOn },
            version,
          },
          actor,
        );
      });
    },

    /** The account's program migrations and due day changes, oldest first. */
    async events(tenant: Tenant, accountId: string, page: { limit: number; after?: bigint }) {
      const account = await prisma.account.findFirst({
        where: { id: accountId, environmentId: tenant.environmentId },
        select: { id: true },
      });
      if (!account) throw DomainFailure.notFound(`account ${accountId}`);
      return prisma.accountEvent.findMany({
        where: {
          accountId,
          environmentId: tenant.environmentId,
          ...(page.after ? { id: { gt: page.after } } : {}),
        },
        orderBy: { id: 'asc' },
        take: page.limit,
      });
    },
  };
}

export type AccountTermsService = ReturnType<typeof createAccountTermsService>;
