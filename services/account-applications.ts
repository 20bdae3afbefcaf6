import { randomUUID } from 'node:crypto';
import type { CustomerInput } from '../common/customers.js';
import type { EventType } from '../common/events.js';
import type { ApplicationStatus } from '../machines/account-application.js';
import { createAccountInTx } from './accounts/creation.js';
import { findOrCreateCustomer, linkAdditionalCustomer } from './customers.js';
import { recordEvent, recordEvents } from './events.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Tenant } from './tenant.js';
import { inTransaction } from './transactions.js';

// The account a submitted application becomes, made in the database, and the application's events.

const endEventTypes = {
  CANCELLED: 'application.cancelled',
  EXPIRED: 'application.expired',
} as const satisfies Partial<Record<ApplicationStatus, EventType>>;

export interface ApplicationToOpen {
  applicationId: string;
  programId: string;
  applicant: CustomerInput;
  parentAccountId?: string;
  additionalCustomers: CustomerInput[];
}

export function createAccountApplications({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Records that the application was submitted (once, however often its processing retries). */
    async recordSubmitted(
      tenant: Tenant,
      application: { applicationId: string; programId?: string },
    ): Promise<void> {
      const { applicationId } = application;
      await recordEvents(prisma, [
        {
          type: 'application.submitted',
          key: `application:${applicationId}:submitted`,
          ...tenant,
          subjectType: 'application',
          subjectId: applicationId,
          payload: { applicationId, programId: application.programId ?? null },
        },
      ]);
    },

    /** Records that the application was rejected, with why (once per application). */
    async recordRejected(
      tenant: Tenant,
      application: { applicationId: string; reasons: string[] },
    ): Promise<void> {
      const { applicationId, reasons } = application;
      await recordEvents(prisma, [
        {
          type: 'application.rejected',
          key: `application:${applicationId}:rejected`,
          ...tenant,
          subjectType: 'application',
          subjectId: applicationId,
          payload: { applicationId, reasons },
        },
      ]);
    },

    /**
     * Records the end its run reached, cancelled or expired (once per application); the other ends
     * are recorded with their outcome.
     */
    async recordEnded(
      tenant: Tenant,
      application: { applicationId: string; status: ApplicationStatus },
    ): Promise<void> {
      const { applicationId, status } = application;
      const type = endEventTypes[status as keyof typeof endEventTypes];
      if (!type) return;
      await recordEvent(prisma, {
        type,
        key: `application:${applicationId}:${type}`,
        ...tenant,
        subjectType: 'application',
        subjectId: applicationId,
        payload: { applicationId },
      });
    },

    /**
     * Creates the account, its holder and its additional customers in one transaction, keyed by
     * the application id: a retry (after a timeout or a worker crash) finds the account the first
     * run made and makes no second one. Its events (account.created, application.approved) are
     * written in the same transaction.
     */
    openAccount(tenant: Tenant, application: ApplicationToOpen): Promise<string> {
      const { applicationId, programId, applicant, parentAccountId, additionalCustomers } =
        application;
      return inTransaction(
        prisma,
        async (tx) => {
          const id = await createAccountInTx(tx, tenant, randomUUID(), {
            programId,
            owner: applicant,
            parentAccountId,
            applicationId,
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
          await recordEvent(tx, {
            type: 'application.approved',
            key: `application:${applicationId}:approved`,
            ...tenant,
            subjectType: 'application',
            subjectId: applicationId,
            payload: { applicationId, accountId: id },
          });
          return id;
        },
        { retryOnUniqueViolation: true },
      );
    },
  };
}
