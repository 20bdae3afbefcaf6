import { randomUUID } from 'node:crypto';
import type { ApplicationData } from '../machines/account-application.js';
import type { PrismaClient } from '../runtime/prisma.js';
import { createAccountService } from '../services/accounts.js';
import { DOCUMENT_NUMBER, type CustomerInput } from '../common/customers.js';
import { findOrCreateCustomer, linkAdditionalCustomer } from '../services/customers.js';
import { inTransaction } from '../services/transactions.js';
import { noTemporaryBlocks } from '../services/temporary-blocks.js';
import { DomainFailure, nonRetryableFailureTypes } from '../common/failures.js';

export interface ApplicationActivityDeps {
  prisma: PrismaClient;
}

export type ApplicationOutcome =
  { accountId: string; reasons: [] } | { accountId?: undefined; reasons: string[] };

export function createApplicationActivities({ prisma }: ApplicationActivityDeps) {
  const accounts = createAccountService({ prisma, temporaryBlocks: noTemporaryBlocks });

  return {
    /**
     * Validates a submitted application and creates the account, its holder and its additional
     * customers in one transaction. Keyed by the application id: a retry (after a timeout or a
     * worker crash) finds the account the first run made and makes no second one.
     */
    async processApplication(input: {
      applicationId: string;
      orgId: string;
      environmentId: string;
      data: ApplicationData;
    }): Promise<ApplicationOutcome> {
      const tenant = { orgId: input.orgId, environmentId: input.environmentId };
      const { programId, applicant, parentAccountId, additionalCustomers } = input.data;
      const people = [applicant, ...additionalCustomers].filter(
        (a): a is CustomerInput => a !== undefined,
      );
      const malformed = people
        .map((p) => ('person' in p ? p.person.documentNumber : p.company.documentNumber))
        .filter((doc) => !DOCUMENT_NUMBER.test(doc));
      if (!programId || !applicant)
        return { reasons: ['the application lacks a program or an applicant'] };
      if (malformed.length > 0)
        return { reasons: malformed.map((doc) => `document id ${doc} is not well formed`) };
      try {
        const accountId = await inTransaction(
          prisma,
          async (tx) => {
            const id = await accounts.createInTx(tx, tenant, randomUUID(), {
              programId,
              owner: applicant,
              parentAccountId,
              applicationId: input.applicationId,
            });
            for (const [i, additional] of additionalCustomers.entries()) {
              const customer = await findOrCreateCustomer(
                tx,
                tenant,
                additional,
                `additionalCustomers.${i}`,
              );
              await linkAdditionalCustomer(tx, tenant, id, customer.id);
            }
            return id;
          },
          { retryOnUniqueViolation: true },
        );
        return { accountId, reasons: [] };
      } catch (error) {
        if (error instanceof DomainFailure && nonRetryableFailureTypes.includes(error.kind)) {
          const errors = error.details.errors ?? [];
          return {
            reasons: errors.length ? errors.map((e) => `${e.field} ${e.message}`) : [error.message],
          };
        }
        throw error;
      }
    },
  };
}

export type ApplicationActivities = ReturnType<typeof createApplicationActivities>;
