import type { PrismaClient } from '../runtime/prisma.js';
import { createAccountService } from '../services/accounts.js';
import { noTemporaryBlocks } from '../services/temporary-blocks.js';

export interface AccountActivityDeps {
  prisma: PrismaClient;
}

export function createAccountActivities({ prisma }: AccountActivityDeps) {
  const accounts = createAccountService({ prisma, temporaryBlocks: noTemporaryBlocks });
  return {
    /** Lifts the block if the account is still in it; a retry after success does nothing. */
    expireTemporaryBlock(input: {
      accountId: string;
      orgId: string;
      environmentId: string;
      until: string;
    }) {
      return accounts.expireTemporaryBlock(
        { orgId: input.orgId, environmentId: input.environmentId },
        input.accountId,
        new Date(input.until),
      );
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
