import { isUniqueViolation } from './prisma-errors.js';

/**
 * The row an earlier run of the same operation created (its id derived from the same
 * Idempotency-Key), or a new one. A run racing this one to the same id is found as well; any
 * other unique violation (a name already taken) is the caller's to report.
 */
export async function createOnce<T>(
  find: () => Promise<T | null>,
  create: () => Promise<T>,
): Promise<T> {
  const existing = await find();
  if (existing) return existing;
  try {
    return await create();
  } catch (error) {
    const raced = isUniqueViolation(error) ? await find() : null;
    if (raced) return raced;
    throw error;
  }
}
