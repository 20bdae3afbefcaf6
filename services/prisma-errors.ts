/** Whether Prisma refused a write because it would break a unique constraint. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'P2002';
}
