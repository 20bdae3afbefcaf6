import pg from 'pg';

// The product reads and writes as PRODUCT_ROLE (or a login that is a member of it), a role the
// migrations create and grant exactly what the product needs: no table of its own, only SELECT
// and INSERT on the audit, event and ledger tables, nothing on _prisma_migrations. So it can
// neither rewrite history nor switch the guards off (disabling or dropping a trigger takes the
// table's owner; session_replication_role takes a superuser). The migrations run as the owner.

export const PRODUCT_ROLE = 'card_issuing_app';

/** Tables the product may only add to and read: the audits (accounts' and programs'), the event logs and the ledger. */
export const APPEND_ONLY_TABLES = [
  'AccountStatusChange',
  'AccountEvent',
  'AccountTransaction',
  'AccountDailyBalance',
  'Notification',
  'ProgramChange',
  'Event',
  'WebhookAttempt',
] as const;

export interface ProductRoleCheck {
  role: string;
  superuser: boolean;
  /** Tables of the product's schema this role owns */
  ownedTables: number;
}

/** Who the product's connection is, and whether it could bypass the database's own guards. */
export async function checkProductRole(url: string): Promise<ProductRoleCheck> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ role: string; superuser: boolean; owned: string }>(`
      SELECT current_user AS role,
             (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
             (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND pg_has_role(current_user, tableowner, 'USAGE')) AS owned`);
    const row = rows[0]!;
    return { role: row.role, superuser: row.superuser, ownedTables: Number(row.owned) };
  } finally {
    await client.end();
  }
}

/** Why a role must not be the product's, or undefined when it may be. */
export function productRoleProblem(check: ProductRoleCheck): string | undefined {
  if (check.superuser)
    return `DATABASE_URL connects as ${check.role}, a superuser, which can switch off the append-only guards`;
  if (check.ownedTables > 0)
    return `DATABASE_URL connects as ${check.role}, which owns ${check.ownedTables} of the product's tables and so can disable or drop their guards`;
  return undefined;
}
