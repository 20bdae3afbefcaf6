import { DomainFailure } from '../../common/failures.js';
import { dateColumn, localDate } from '../../common/plain-dates.js';
import { dueDayChange, migrationRefusal } from '../../machines/account-terms.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { EventPayload } from '../../common/events.js';
import { recordEvent, type NewEvent } from '../events.js';
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

/** What a change of an account's terms records: its audit row's details, and its event's payload. */
type TermChange =
  | {
      kind: 'PROGRAM_MIGRATION';
      type: 'account.program_migrated';
      details: EventPayload<'account.program_migrated'>;
    }
  | {
      kind: 'DUE_DAY_CHANGE';
      type: 'account.due_day_changed';
      details: EventPayload<'account.due_day_changed'>;
    };

/**
 * Records a change of the account's terms, in its transaction: the row in the account's own
 * audit (`AccountEvent`) and the event integrators read (`Event`).
 */
async function recordTermChange(
  tx: Tx,
  tenant: Tenant,
  change: TermChange & { operationId?: string },
  actor: Actor,
) {
  const { accountId, accountVersion, ...details } = change.details;
  await tx.accountEvent.create({
    data: {
      ...tenant,
      accountId,
      kind: change.kind,
      details,
      accountVersion,
      operationId: change.operationId ?? null,
      actor: actor.actor,
      requestId: actor.requestId ?? null,
    },
  });
  await recordEvent(tx, {
    type: change.type,
    key: `account:${accountId}:v${accountVersion}`,
    ...tenant,
    subjectType: 'account',
    subjectId: accountId,
    payload: change.details,
  } as NewEvent);
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
        await recordTermChange(
          tx,
          tenant,
          {
            kind: 'PROGRAM_MIGRATION',
            type: 'account.program_migrated',
            details: {
              accountId: account.id,
              fromProgramId: account.programId,
              toProgramId: target.id,
              accountVersion: version,
            },
            operationId,
          },
          actor,
        );
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
        await recordTermChange(
          tx,
          tenant,
          {
            kind: 'DUE_DAY_CHANGE',
            type: 'account.due_day_changed',
            details: {
              accountId: account.id,
              fromDueDay: account.dueDay,
              toDueDay: dueDay,
              cycleClosesOn: change.cycleClosesOn,
              accountVersion: version,
            },
          },
          actor,
        );
      });
    },
  };
}
