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

/**
 * Prisma's codes for an unreachable database, a timeout or an exhausted pool (P2028: a
 * transaction found no connection within its maxWait), and the socket's own.
 */
const TRANSIENT_CODES = new Set([
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  'P2028',
  'P2034',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
]);
/** What Prisma's pg adapter calls a server it cannot reach or that dropped the connection. */
const TRANSIENT_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/**
 * pg's own errors for a pool with no free connection in time, or a connection that could not be
 * made or was cut; they carry no code, only these messages, and reach callers through Prisma as
 * they are.
 */
const TRANSIENT_PG_MESSAGES = new Set([
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
  'Connection terminated unexpectedly',
]);
/** SQLSTATE classes of a server that is down, restarting, overloaded or out of resources. */
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53', '57', '58'];

/** An error that says nothing about the data: the same statement later may well succeed. */
export function isTransientDatabaseError(error: unknown): boolean {
  if (isSerializationConflict(error)) return true;
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
  };
  if (typeof candidate?.code === 'string' && TRANSIENT_CODES.has(candidate.code)) return true;
  const kind = candidate?.meta?.driverAdapterError?.cause?.kind;
  if (typeof kind === 'string' && TRANSIENT_ADAPTER_KINDS.has(kind)) return true;
  if (typeof candidate?.message === 'string' && TRANSIENT_PG_MESSAGES.has(candidate.message))
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
