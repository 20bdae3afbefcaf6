import type { PrismaClient } from '../runtime/prisma.js';
import { DomainFailure } from '../common/failures.js';

export interface OrgActivityDeps {
  prisma: PrismaClient;
}

// Each activity is a conditional update, so Temporal's retries (or a replay after a worker crash)
// leave the same end state and never create a second row.
export function createOrgActivities({ prisma }: OrgActivityDeps) {
  async function requireOrg(orgId: string): Promise<void> {
    const org = await prisma.org.findUnique({ where: { id: orgId }, select: { id: true } });
    if (!org) throw DomainFailure.notFound(`org ${orgId}`);
  }

  return {
    async activateOrg({ orgId }: { orgId: string }): Promise<void> {
      await requireOrg(orgId);
      await prisma.org.updateMany({
        where: { id: orgId, status: 'ONBOARDING' },
        data: { status: 'ACTIVE' },
      });
    },
  };
}

export type OrgActivities = ReturnType<typeof createOrgActivities>;
