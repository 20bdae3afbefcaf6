import { DomainFailure } from '../../common/failures.js';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import type { AccountStatus, NonFinalAccountStatus } from '../../machines/account-status.js';
import { rolesFoundByCustomerDocument } from '../../machines/account-customers.js';
import { keysetAfterSql, readPage, type PageRequest } from '../pages.js';
import type { Tenant } from '../tenant.js';

/** What a list of accounts may be narrowed to; every filter given must hold. */
interface AccountFilter {
  status?: AccountStatus;
  programId?: string;
  parentAccountId?: string;
  /** The document number of its holder or of one of its additional customers */
  customerDocument?: string;
}

// An account as the API shows it: its row, its program's currency, its status reason and its
// holder, read in one statement. The row lock (lock.ts) reads the same columns, so a write can
// answer with the account as it left it, without reading it again.

export interface AccountRecord {
  id: string;
  programId: string;
  /** The program's currency: the unit of balance and credit limit */
  currency: string;
  status: AccountStatus;
  statusBeforeCancellation: NonFinalAccountStatus | null;
  statusReason: { id: string; code: string; description: string } | null;
  statusDescription: string | null;
  statusChangedAt: Date;
  blockedUntil: Date | null;
  balance: bigint;
  creditLimit: bigint;
  dueDay: number | null;
  parentAccountId: string | null;
  version: number;
  holder: { id: string; kind: 'PERSON' | 'COMPANY'; name: string; documentNumber: string } | null;
  createdAt: Date;
}

/** The columns of an AccountRecord, over "Account" a, "Program" p and the two joins below. */
export const accountRecordColumns = Prisma.sql`
  a.id, a."programId", p.currency, a.status::text AS status,
  a."statusBeforeCancellation"::text AS "statusBeforeCancellation",
  CASE WHEN r.id IS NULL THEN NULL
       ELSE json_build_object('id', r.id, 'code', r.code, 'description', r.description) END AS "statusReason",
  a."statusDescription", a."statusChangedAt", a."blockedUntil", a.balance, a."creditLimit",
  a."dueDay", a."parentAccountId", a.version, h.holder, a."createdAt"`;

/** The joins an AccountRecord needs besides the program: its status reason and its holder. */
export const accountRecordJoins = Prisma.sql`
  LEFT JOIN "AccountStatusReason" r ON r.id = a."statusReasonId"
  LEFT JOIN LATERAL (
    SELECT json_build_object('id', c.id, 'kind', c.kind, 'name', c.name, 'documentNumber', c."documentNumber") AS holder
    FROM "AccountCustomer" ac JOIN "Customer" c ON c.id = ac."customerId"
    WHERE ac."accountId" = a.id AND ac.role = 'HOLDER'
    LIMIT 1
  ) h ON true`;

export function createAccountRecords({ prisma }: { prisma: PrismaClient }) {
  return {
    async get(tenant: Tenant, id: string): Promise<AccountRecord> {
      const rows = await prisma.$queryRaw<AccountRecord[]>`
        SELECT ${accountRecordColumns}
        FROM "Account" a JOIN "Program" p ON p.id = a."programId" ${accountRecordJoins}
        WHERE a.id = ${id}::uuid AND a."environmentId" = ${tenant.environmentId}::uuid`;
      const account = rows[0];
      if (!account) throw DomainFailure.notFound(`account ${id}`);
      return account;
    },

    /** The environment's accounts in (createdAt, id) order, after `page.after`. */
    list(tenant: Tenant, filter: AccountFilter, page: PageRequest) {
      const env = Prisma.sql`${tenant.environmentId}::uuid`;
      const conditions = [
        filter.status === undefined
          ? Prisma.empty
          : Prisma.sql`AND a.status = ${filter.status}::"AccountStatus"`,
        filter.programId === undefined
          ? Prisma.empty
          : Prisma.sql`AND a."programId" = ${filter.programId}::uuid`,
        filter.parentAccountId === undefined
          ? Prisma.empty
          : Prisma.sql`AND a."parentAccountId" = ${filter.parentAccountId}::uuid`,
        filter.customerDocument === undefined
          ? Prisma.empty
          : Prisma.sql`AND EXISTS (
              SELECT 1 FROM "AccountCustomer" fc JOIN "Customer" fcu ON fcu.id = fc."customerId"
              WHERE fc."accountId" = a.id AND fcu."environmentId" = ${env}
                AND fcu."documentNumber" = ${filter.customerDocument}
                AND fc.role::text IN (${Prisma.join([...rolesFoundByCustomerDocument])}))`,
      ];
      return readPage(
        page,
        (take) => prisma.$queryRaw<AccountRecord[]>`
          SELECT ${accountRecordColumns}
          FROM "Account" a JOIN "Program" p ON p.id = a."programId" ${accountRecordJoins}
          WHERE a."environmentId" = ${env} ${Prisma.join(conditions, ' ')}
            ${keysetAfterSql('a', page.after)}
          ORDER BY a."createdAt", a.id
          LIMIT ${take}`,
      );
    },
  };
}
