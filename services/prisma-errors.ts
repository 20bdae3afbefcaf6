// What a database error means for the caller: a broken rule of the data (retrying cannot help),
// a passing condition of the server (retrying will), or neither.

/** Whether Prisma refused a write because it would break a unique constraint. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'P2002' || sqlStateOf(error) === '23505';
}

/** The PostgreSQL SQLSTATE behind an error from Prisma (through its pg adapter) or from pg itself. */
export function sqlStateOf(error: unknown): string | undefined {
  const candidate = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } };
    cause?: { originalCode?: unknown; code?: unknown };
  };
  const cause = candidate?.meta?.driverAdapterError?.cause ?? candidate?.cause;
  // Prisma's own codes (P1000-P6999) share the shape of a SQLSTATE but are not one.
  const code = cause?.originalCode ?? cause?.code ?? candidate?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^P[1-9]\d{3}$/.test(code)
    ? code
    : undefined;
}

/** A transaction PostgreSQL aborted to resolve a conflict with another: running it again succeeds. */
export function isSerializationConflict(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === '40001' || state === '40P01' || (error as { code?: unknown })?.code === 'P2034';
}

/** Prisma's codes for an unreachable database, a timeout or an exhausted pool. */
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2034']);
/** SQLSTATE classes of a server that is down, restarting, overloaded or out of resources. */
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53', '57', '58'];

/** An error that says nothing about the data: the same statement later may well succeed. */
export function isTransientDatabaseError(error: unknown): boolean {
  if (isSerializationConflict(error)) return true;
  const code = (error as { code?: unknown })?.code;
  if (
    typeof code === 'string' &&
    (TRANSIENT_PRISMA_CODES.has(code) || code === 'ECONNREFUSED' || code === 'ECONNRESET')
  )
    return true;
  const state = sqlStateOf(error);
  return state !== undefined && TRANSIENT_SQLSTATE_CLASSES.includes(state.slice(0, 2));
}

/**
 * An error the data itself causes (a value PostgreSQL cannot store, a broken constraint) or a
 * statement the database will always refuse: the same input fails the same way every time.
 */
export function isDeterministicDatabaseError(error: unknown): boolean {
  if (isTransientDatabaseError(error)) return false;
  if ((error as { name?: unknown })?.name === 'PrismaClientValidationError') return true;
  const state = sqlStateOf(error);
  return state !== undefined && ['22', '23', '2B', '42', '44'].includes(state.slice(0, 2));
}
