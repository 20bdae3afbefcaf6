import { setTimeout as sleep } from 'node:timers/promises';
import type { Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { isSerializationConflict, isUniqueViolation } from './prisma-errors.js';

export type Tx = Prisma.TransactionClient;

const ATTEMPTS = 5;

/**
 * Runs `work` in one transaction. When PostgreSQL aborts it to resolve a conflict with another
 * (a deadlock, a serialization failure) it runs again on the then-current data, a few times with
 * a short random pause, so a caller never sees the conflict itself. With `retryOnUniqueViolation`,
 * a unique violation (two requests creating the same new row at once) is retried the same way:
 * the second run finds the row the first made.
 */
export async function inTransaction<T>(
  prisma: PrismaClient,
  work: (tx: Tx) => Promise<T>,
  options: { retryOnUniqueViolation?: boolean } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(work);
    } catch (error) {
      const retryable =
        isSerializationConflict(error) ||
        (options.retryOnUniqueViolation === true && isUniqueViolation(error));
      if (!retryable || attempt >= ATTEMPTS) throw error;
      await sleep(Math.random() * 20 * attempt);
    }
  }
}
