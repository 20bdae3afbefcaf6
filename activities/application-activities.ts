import { DomainFailure, nonRetryableFailureTypes } from '../common/failures.js';
import {
  processingRefusals,
  type ApplicationData,
  type ApplicationStatus,
} from '../machines/account-application.js';
import type { Services } from '../services/index.js';

export type ApplicationOutcome =
  { accountId: string; reasons: [] } | { accountId?: undefined; reasons: string[] };

export function createApplicationActivities(services: Services) {
  return {
    /**
     * Turns a submitted application into its account, or into the reasons it cannot be one: what
     * the rules refuse before anything is looked up, or what the records refuse (a program or a
     * parent not of this org). Keyed by the application id: a retry finds the account it made.
     * Records the application's events (submitted, then approved or rejected), each once.
     */
    async processApplication(input: {
      applicationId: string;
      orgId: string;
      environmentId: string;
      data: ApplicationData;
    }): Promise<ApplicationOutcome> {
      const { programId, applicant, parentAccountId, additionalCustomers } = input.data;
      const tenant = { orgId: input.orgId, environmentId: input.environmentId };
      const { applicationId } = input;
      // Processing starts right after the submission: its event first, once per application
      await services.accountApplications.recordSubmitted(tenant, { applicationId, programId });
      const rejected = async (reasons: string[]): Promise<ApplicationOutcome> => {
        await services.accountApplications.recordRejected(tenant, { applicationId, reasons });
        return { reasons };
      };
      const refusals = processingRefusals(input.data);
      if (refusals.length > 0 || !programId || !applicant) return rejected(refusals);
      try {
        const accountId = await services.accountApplications.openAccount(tenant, {
          applicationId: input.applicationId,
          programId,
          applicant,
          parentAccountId,
          additionalCustomers,
        });
        return { accountId, reasons: [] };
      } catch (error) {
        if (error instanceof DomainFailure && nonRetryableFailureTypes.includes(error.kind)) {
          const errors = error.details.errors ?? [];
          return rejected(
            errors.length ? errors.map((e) => `${e.field} ${e.message}`) : [error.message],
          );
        }
        throw error;
      }
    },

    /** Records the rejection of an application its processing could not turn into an account. */
    async recordApplicationRejected(input: {
      applicationId: string;
      orgId: string;
      environmentId: string;
      reasons: string[];
    }): Promise<void> {
      await services.accountApplications.recordRejected(
        { orgId: input.orgId, environmentId: input.environmentId },
        { applicationId: input.applicationId, reasons: input.reasons },
      );
    },

    /** Records the end a run reached by itself or by its caller (cancelled, expired), once. */
    async recordApplicationEnded(input: {
      applicationId: string;
      orgId: string;
      environmentId: string;
      status: ApplicationStatus;
    }): Promise<void> {
      await services.accountApplications.recordEnded(
        { orgId: input.orgId, environmentId: input.environmentId },
        { applicationId: input.applicationId, status: input.status },
      );
    },
  };
}

export type ApplicationActivities = ReturnType<typeof createApplicationActivities>;
