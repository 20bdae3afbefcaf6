import { DomainFailure } from '../../common/failures.js';
import { dateColumn, localDate } from '../../common/plain-dates.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { AccountEventKind } from '../../generated/prisma/enums.js';
import { dueDayChange, migrationRefusal } from '../../machines/account-terms.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { recordEvent } from '../events.js';
import { heldProgramTerms } from '../programs.js';
import type { Actor, Tenant } from '../tenant.js';
import { inTransaction, type Tx } from '../transactions.js';
import { checkVersion, lockAccount } from './lock.js';

// The terms of an account beyond its status, in the database: the program it belongs to and, for
// credit, the day its bill is due. Each change locks the account, asks machines/account-terms.ts,
// bumps the version and appends one AccountEvent and its Event (services/events.ts), in one
// transaction.

export interface ProgramMigrationOutcome {
  changed: boolean;
  fromProgramId: string;
  toProgramId: string;
  version: number;
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

export function createAccountTermChanges({ prisma }: { prisma: PrismaClient }) {
  return {
    /**
     * Moves the account to another program, as the rules allow. Already in the target: nothing
     * changes. A migration already made by the same operation (a retried activity or request) is
     * answered as it happened, before any precondition: its If-Match version is history now.
     */
    migrateProgram(
      tenant: Tenant,
      accountId: string,
      targetProgramId: string,
      expectedVersion: number | undefined,
      actor: Actor,
      operationId?: string,
    ): Promise<ProgramMigrationOutcome> {
      return inTransaction(prisma, async (tx) => {
        const account = await lockAccount(tx, tenant, accountId);
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
        if (account.programId === targetProgramId) {
          return {
            changed: false,
            fromProgramId: account.programId,
            toProgramId: targetProgramId,
            version: account.version,
          };
        }
        const target = await heldProgramTerms(tx, tenant, targetProgramId);
        if (!target) {
          throw DomainFailure.invalid([
            {
              field: 'targetProgramId',
              rule: 'unknown_program',
              message: 'is not a program of this org',
            },
          ]);
        }
        const refusal = migrationRefusal(account, target);
        if (refusal) throw refusal;
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
        await recordEvent(tx, {
          type: 'account.program_migrated',
          key: `account:${account.id}:v${version}`,
          ...tenant,
          subjectType: 'account',
          subjectId: account.id,
          payload: {
            accountId: account.id,
            fromProgramId: account.programId,
            toProgramId: target.id,
            accountVersion: version,
          },
        });
        return { changed: true, fromProgramId: account.programId, toProgramId: target.id, version };
      });
    },

    /** Moves a credit account's due day, as the rules allow on today's date in the org's time zone. */
    async changeDueDay(
      tenant: Tenant,
      accountId: string,
      dueDay: number,
      expectedVersion: number | undefined,
      actor: Actor,
      now: Date,
    ) {
      await inTransaction(prisma, async (tx) => {
        const locked = await lockAccount(tx, tenant, accountId);
        checkVersion(locked, expectedVersion);
        // The program's due days as they are now, held until this change commits
        const program = await heldProgramTerms(tx, tenant, locked.programId);
        const account = {
          ...locked,
          dueDays: program?.dueDays ?? locked.dueDays,
          dueDayChangeLimit: program?.dueDayChangeLimit ?? locked.dueDayChangeLimit,
        };
        const change = dueDayChange(account, dueDay, localDate(now, account.timeZone));
        if (change instanceof DomainFailure) throw change;
        const version = account.version + 1;
        await tx.account.update({
          where: { id: account.id },
          data: {
            dueDay,
            dueDayCycleClosesOn: dateColumn(change.cycleClosesOn),
            dueDayChangesInCycle: change.changesInCycle,
            version,
          },
        });
        await appendEvent(
          tx,
          tenant,
          account.id,
          {
            kind: 'DUE_DAY_CHANGE',
            details: {
              fromDueDay: account.dueDay,
              toDueDay: dueDay,
              cycleClosesOn: change.cycleClosesOn,
            },
            version,
          },
          actor,
        );
        await recordEvent(tx, {
          type: 'account.due_day_changed',
          key: `account:${account.id}:v${version}`,
          ...tenant,
          subjectType: 'account',
          subjectId: account.id,
          payload: {
            accountId: account.id,
            fromDueDay: account.dueDay,
            toDueDay: dueDay,
            cycleClosesOn: change.cycleClosesOn,
            accountVersion: version,
          },
        });
      });
    },
  };
}
