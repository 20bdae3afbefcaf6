import type { IdempotencyRecord, Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from '../generated/prisma/client.js';

// The claims and stored answers behind Idempotency-Key (the HTTP layer's idempotency store says
// what they mean to a client). Every write names the claim's owner, so a request whose claim was taken over
// never overwrites or releases the new owner's.

export interface IdempotencyClaim {
  scope: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  owner: string;
  leaseExpiresAt: Date;
}

export interface StoredResponse {
  status: number;
  body: Prisma.InputJsonValue;
  headers?: Record<string, string>;
}

export function createIdempotencyRecords({ prisma }: { prisma: PrismaClient }) {
  const id = (scope: string, key: string) => ({ scope_key: { scope, key } });
  return {
    /** Claims the key; false when a claim (running or finished) is there already. */
    async claim(claim: IdempotencyClaim): Promise<boolean> {
      const inserted = await prisma.idempotencyRecord.createMany({
        data: [claim],
        skipDuplicates: true,
      });
      return inserted.count === 1;
    },

    find(scope: string, key: string): Promise<IdempotencyRecord | null> {
      return prisma.idempotencyRecord.findUnique({ where: id(scope, key) });
    },

    /** Takes over an unfinished claim whose lease is still the one seen; false if someone else did. */
    async takeOver(
      scope: string,
      key: string,
      seenLease: Date,
      owner: string,
      leaseExpiresAt: Date,
    ): Promise<boolean> {
      const taken = await prisma.idempotencyRecord.updateMany({
        where: { scope, key, completedAt: null, leaseExpiresAt: seenLease },
        data: { owner, leaseExpiresAt },
      });
      return taken.count === 1;
    },

    async renew(scope: string, key: string, owner: string, leaseExpiresAt: Date): Promise<void> {
      await prisma.idempotencyRecord.updateMany({
        where: { scope, key, owner, completedAt: null },
        data: { leaseExpiresAt },
      });
    },

    async release(scope: string, key: string, owner: string): Promise<void> {
      await prisma.idempotencyRecord.deleteMany({
        where: { scope, key, owner, completedAt: null },
      });
    },

    async complete(
      scope: string,
      key: string,
      owner: string,
      response: StoredResponse,
    ): Promise<void> {
      await prisma.idempotencyRecord.updateMany({
        where: { scope, key, owner },
        data: {
          responseStatus: response.status,
          responseBody: response.body,
          ...(response.headers ? { responseHeaders: response.headers } : {}),
          completedAt: new Date(),
        },
      });
    },
  };
}

export type IdempotencyRecords = ReturnType<typeof createIdempotencyRecords>;
