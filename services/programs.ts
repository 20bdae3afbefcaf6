import type { CardNetwork, ProgramType } from '../generated/prisma/enums.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainFailure } from '../common/failures.js';
import { createOnce } from './create-once.js';
import type { IdSource } from './ids.js';
import { isUniqueViolation } from './prisma-errors.js';
import type { Tenant } from './tenant.js';

export interface NewProgram {
  name: string;
  type: ProgramType;
  cardNetwork: CardNetwork;
  currency: string;
  dueDays: number[];
  defaultCreditLimit: bigint;
  dueDayChangeLimit: number;
}

export function createProgramService({ prisma }: { prisma: PrismaClient }) {
  return {
    async create(tenant: Tenant, input: NewProgram, ids: IdSource) {
      const id = ids.uuid('program');
      try {
        return await createOnce(
          () => prisma.program.findFirst({ where: { id, environmentId: tenant.environmentId } }),
          () => prisma.program.create({ data: { id, ...tenant, ...input } }),
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new DomainFailure('CONFLICT', `a program named "${input.name}" already exists`, {
          errors: [
            { field: 'name', rule: 'unique', message: 'is already used by another program' },
          ],
        });
      }
    },

    async get(tenant: Tenant, id: string) {
      const program = await prisma.program.findFirst({
        where: { id, environmentId: tenant.environmentId },
      });
      if (!program) throw DomainFailure.notFound(`program ${id}`);
      return program;
    },

    list(tenant: Tenant) {
      return prisma.program.findMany({
        where: { environmentId: tenant.environmentId },
        orderBy: { createdAt: 'asc' },
      });
    },
  };
}

export type ProgramService = ReturnType<typeof createProgramService>;
