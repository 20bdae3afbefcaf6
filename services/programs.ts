import type { CardNetwork, ProgramType } from '../generated/prisma/enums.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { EventPayload } from '../common/events.js';
import { DomainFailure } from '../common/failures.js';
import {
  programEdit,
  programEditConflict,
  type ProgramEdit,
  type ProgramSettings,
  type ProgramTermsUsage,
} from '../machines/account-terms.js';
import { minorUnits } from '../machines/balance-limits.js';
import { createOnce } from './create-once.js';
import { recordEvent } from './events.js';
import type { IdSource } from './ids.js';
import { isUniqueViolation } from './prisma-errors.js';
import type { Actor, Tenant } from './tenant.js';
import { inTransaction, type Tx } from './transactions.js';
import { keysetAfter, keysetOrder, readPage, type PageRequest } from './pages.js';

export interface NewProgram {
  name: string;
  type: ProgramType;
  cardNetwork: CardNetwork;
  currency: string;
  dueDays: number[];
  defaultCreditLimit: bigint;
  maxCreditLimit: bigint | null;
  dueDayChangeLimit: number;
}

/** A program's change: the fields given, each what it becomes. */
type ProgramPatch = Partial<ProgramSettings>;

/** One page of a program's change audit. */
interface ProgramChangePage {
  limit: number;
  /** The last entry id of the previous page */
  after?: bigint;
}

const nameTaken = (name: string) =>
  new DomainFailure('CONFLICT', `a program named "${name}" already exists`, {
    errors: [{ field: 'name', rule: 'unique', message: 'is already used by another program' }],
  });

/**
 * Reads the program an account is decided on (its due days, its credit limits) under a lock that
 * a change of those terms waits for, and that waits for a change in progress: so a new account,
 * a migration into the program or a due date change never lands on terms the program has just
 * given up. FOR KEY SHARE: writers of accounts never wait for each other.
 */
export async function heldProgramTerms(tx: Tx, tenant: Tenant, programId: string) {
  await tx.$queryRaw`SELECT 1 FROM "Program" WHERE id = ${programId}::uuid AND "environmentId" = ${tenant.environmentId}::uuid FOR KEY SHARE`;
  return tx.program.findFirst({ where: { id: programId, environmentId: tenant.environmentId } });
}

/** Changed settings as the audit row and the event hold them. */
type SettingsJson = EventPayload<'program.changed'>['after'];

/** The fields as JSON: credit limits as exact numbers (below 2^53). */
function eventJson(fields: Partial<ProgramSettings>): SettingsJson {
  return Object.fromEntries(
    Object.entries(fields).map(([field, value]) => [
      field,
      typeof value === 'bigint' ? minorUnits(value) : value,
    ]),
  );
}

/** Accounts of the program on the due days the edit removes, and above the maximum it lowers. */
async function usageOf(tx: Tx, programId: string, edit: ProgramEdit): Promise<ProgramTermsUsage> {
  const usage: ProgramTermsUsage = {
    accountsOnRemovedDueDays: [],
    accountsAboveMaxCreditLimit: { accounts: 0, highestCreditLimit: null },
  };
  if (edit.removedDueDays.length > 0) {
    usage.accountsOnRemovedDueDays = await tx.$queryRaw<{ dueDay: number; accounts: number }[]>`
      SELECT "dueDay", count(*)::int AS accounts FROM "Account"
      WHERE "programId" = ${programId}::uuid AND "dueDay" = ANY(${edit.removedDueDays}::int[])
      GROUP BY "dueDay" ORDER BY "dueDay"`;
  }
  if (edit.loweredMaxCreditLimit !== null) {
    const [above] = await tx.$queryRaw<{ accounts: number; highest: bigint | null }[]>`
      SELECT count(*)::int AS accounts, max("creditLimit") AS highest FROM "Account"
      WHERE "programId" = ${programId}::uuid AND "creditLimit" > ${edit.loweredMaxCreditLimit}`;
    usage.accountsAboveMaxCreditLimit = {
      accounts: above?.accounts ?? 0,
      highestCreditLimit: above?.highest ?? null,
    };
  }
  return usage;
}

export function createProgramService({ prisma }: { prisma: PrismaClient }) {
  return {
    async create(tenant: Tenant, input: NewProgram, ids: IdSource) {
      const id = ids.uuid('program');
      try {
        return await createOnce(
          () => prisma.program.findFirst({ where: { id, environmentId: tenant.environmentId } }),
          () =>
            inTransaction(prisma, async (tx) => {
              const program = await tx.program.create({ data: { id, ...tenant, ...input } });
              await recordEvent(tx, {
                type: 'program.created',
                key: `program:${id}:v${program.version}`,
                ...tenant,
                subjectType: 'program',
                subjectId: id,
                occurredAt: program.createdAt,
                payload: {
                  programId: id,
                  type: program.type,
                  cardNetwork: program.cardNetwork,
                  currency: program.currency,
                  name: program.name,
                  dueDays: program.dueDays,
                  dueDayChangeLimit: program.dueDayChangeLimit,
                  defaultCreditLimit: minorUnits(program.defaultCreditLimit),
                  maxCreditLimit:
                    program.maxCreditLimit === null ? null : minorUnits(program.maxCreditLimit),
                  programVersion: program.version,
                },
              });
              return program;
            }),
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw nameTaken(input.name);
      }
    },

    /**
     * Changes what may change of the program, as machines/account-terms.ts allows: under the
     * program's row lock (accounts being opened, migrated in or moving their due day wait, see
     * heldProgramTerms), at the version If-Match names, checked against the accounts still on
     * what the change takes away; then the program (version + 1) and its one ProgramChange row,
     * in one transaction. A patch that changes nothing writes nothing and bumps nothing.
     */
    async change(
      tenant: Tenant,
      programId: string,
      patch: ProgramPatch,
      expectedVersion: number | undefined,
      actor: Actor,
    ) {
      try {
        return await inTransaction(prisma, async (tx) => {
          const locked = await tx.$queryRaw<{ id: string }[]>`
            SELECT id FROM "Program"
            WHERE id = ${programId}::uuid AND "environmentId" = ${tenant.environmentId}::uuid
            FOR UPDATE`;
          if (locked.length === 0) throw DomainFailure.notFound(`program ${programId}`);
          const program = await tx.program.findUniqueOrThrow({ where: { id: programId } });
          if (expectedVersion !== undefined && expectedVersion !== program.version) {
            throw new DomainFailure(
              'PRECONDITION_FAILED',
              `the program changed since version ${expectedVersion}; it is now at version ${program.version}`,
              { currentVersion: program.version },
            );
          }
          const edit = programEdit(program, patch);
          if (edit instanceof DomainFailure) throw edit;
          if (Object.keys(edit.after).length === 0) return program;
          const conflict = programEditConflict(edit, await usageOf(tx, program.id, edit));
          if (conflict) throw conflict;
          const version = program.version + 1;
          const changed = await tx.program.update({
            where: { id: program.id },
            data: { ...edit.after, version },
          });
          const before = eventJson(edit.before);
          const after = eventJson(edit.after);
          await tx.programChange.create({
            data: {
              ...tenant,
              programId: program.id,
              programVersion: version,
              before,
              after,
              actor: actor.actor,
              requestId: actor.requestId ?? null,
            },
          });
          await recordEvent(tx, {
            type: 'program.changed',
            key: `program:${program.id}:v${version}`,
            ...tenant,
            subjectType: 'program',
            subjectId: program.id,
            payload: { programId: program.id, before, after, programVersion: version },
          });
          return changed;
        });
      } catch (error) {
        if (!isUniqueViolation(error) || patch.name === undefined) throw error;
        throw nameTaken(patch.name);
      }
    },

    /** The program's changes, oldest first. */
    async changes(tenant: Tenant, programId: string, page: ProgramChangePage) {
      const program = await prisma.program.findFirst({
        where: { id: programId, environmentId: tenant.environmentId },
        select: { id: true },
      });
      if (!program) throw DomainFailure.notFound(`program ${programId}`);
      return prisma.programChange.findMany({
        where: {
          programId,
          environmentId: tenant.environmentId,
          ...(page.after ? { id: { gt: page.after } } : {}),
        },
        orderBy: { id: 'asc' },
        take: page.limit,
      });
    },

    async get(tenant: Tenant, id: string) {
      const program = await prisma.program.findFirst({
        where: { id, environmentId: tenant.environmentId },
      });
      if (!program) throw DomainFailure.notFound(`program ${id}`);
      return program;
    },

    /** The environment's programs in (createdAt, id) order, after `page.after`. */
    list(tenant: Tenant, page: PageRequest) {
      return readPage(page, (take) =>
        prisma.program.findMany({
          where: { environmentId: tenant.environmentId, ...keysetAfter(page.after) },
          orderBy: keysetOrder,
          take,
        }),
      );
    },
  };
}

export type ProgramService = ReturnType<typeof createProgramService>;
