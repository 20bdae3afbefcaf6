import type pg from 'pg';
import { issueApiKey } from '../services/api-keys.js';

// The scale harness's data set, generated set-based (one INSERT ... SELECT generate_series per
// table and step) as the tables' owner. Every id is derived from (org, account number), so a step
// that grows the data set adds accounts numbered on from the last step and finds their parents,
// customers and orgs by the same expressions.
//
// Per org, in each block of 30 accounts (r = n % 30): 1 is the root of a tree, 2-4 its children,
// 5-13 their children (grandchildren of the root); 14-29 and 0 stand alone, and of those the ones
// with r % 3 = 0 are BLOCKED and r % 3 = 1 CANCELLED, with a reason and the history row that made
// them so (11 in 30, 37% of all accounts). Trees stay NORMAL: only those may be parents and appear
// in the related overview (machines/account-hierarchy.ts). Every fifth holder is a company; every
// seventh account has the previous account's holder as an additional (joint) customer.

export const ORGS = 100;

// An md5 with the version (4) and variant digits of a random UUID, which the event schemas ask for
const id = (kind: string, ...parts: string[]) =>
  `overlay(overlay(md5('${kind}' || ${parts.join(` || '-' || `)}) placing '4' from 13) placing '8' from 17)::uuid`;
export const orgId = (o: string) => id('org', o);
export const environmentId = (o: string) => id('env', o);
export const programId = (o: string) => id('prog', o);
const reasonId = (o: string) => id('reason', o);
export const accountId = (o: string, n: string) => id('acct', o, n);
const customerId = (o: string, n: string) => id('cust', o, n);

/** The accounts numbered $1..$2 of every org */
const ACCOUNTS = `generate_series(1, ${ORGS}) AS o, generate_series($1::int, $2::int) AS n`;
const STANDALONE = `(n % 30 = 0 OR n % 30 >= 14)`;
const STATUS = `CASE WHEN ${STANDALONE} AND n % 30 % 3 = 0 THEN 'BLOCKED'
                     WHEN ${STANDALONE} AND n % 30 % 3 = 1 THEN 'CANCELLED'
                     ELSE 'NORMAL' END`;
const PARENT = `CASE WHEN n % 30 BETWEEN 2 AND 4 THEN ${accountId('o', '(n - n % 30 + 1)')}
                     WHEN n % 30 BETWEEN 5 AND 13 THEN ${accountId('o', '(n - n % 30 + 2 + (n % 30 - 5) % 3)')}
                END`;
/** A standalone account that stays NORMAL, for the status changes the harness makes */
export const STANDALONE_NORMAL = 14;
const BALANCE = `(n * 37 % 100000)::bigint`;
const CREATED = `(now() - interval '400 days' + n * interval '1 second')`;

/** The orgs, each with its test environment, a debit program and a status reason. */
export async function createOrgs(pool: pg.Pool): Promise<void> {
  const orgs = `generate_series(1, ${ORGS}) AS o`;
  await pool.query(`INSERT INTO "Org" (id, "legalName", "addressLine1", city, "postalCode", country, "timeZone", networks, status, "updatedAt")
    SELECT ${orgId('o')}, 'Scale Bank ' || o, '1 Scale St', 'São Paulo', '01000-000', 'BR', 'America/Sao_Paulo', '{VISA}', 'ACTIVE', now() FROM ${orgs}`);
  await pool.query(`INSERT INTO "Environment" (id, "orgId", kind, status)
    SELECT ${environmentId('o')}, ${orgId('o')}, 'TEST', 'READY' FROM ${orgs}`);
  await pool.query(`INSERT INTO "Program" (id, "orgId", "environmentId", name, type, "cardNetwork", currency)
    SELECT ${programId('o')}, ${orgId('o')}, ${environmentId('o')}, 'Scale', 'DEBIT', 'VISA', 'BRL' FROM ${orgs}`);
  await pool.query(`INSERT INTO "AccountStatusReason" (id, "orgId", "environmentId", code, description)
    SELECT ${reasonId('o')}, ${orgId('o')}, ${environmentId('o')}, 'FRAUD_SUSPECTED', 'Suspected fraud' FROM ${orgs}`);
}

/**
 * Accounts numbered `from`..`to` in every org with their holders, joint holders, status history,
 * one cash-in each, `days` of daily balances (the days before today) and `events` events each;
 * returns the rows written per table.
 */
async function addAccounts(
  pool: pg.Pool,
  range: { from: number; to: number },
  options: {
    days: number;
    events: number;
    /**
     * The events' times, spread evenly from `from` days ago to `to`, written in that order: the
     * log is appended as time passes, and the retention walks it in sequence order
     */
    eventDaysAgo: { from: number; to: number };
  },
): Promise<Record<string, number>> {
  const values = [range.from, range.to];
  const rows: Record<string, number> = {};
  const run = async (table: string, sql: string, extra: unknown[] = []) => {
    const result = await pool.query(sql, [...values, ...extra]);
    rows[table] = (rows[table] ?? 0) + (result.rowCount ?? 0);
  };
  await run(
    'Account',
    `INSERT INTO "Account" (id, "orgId", "environmentId", "programId", status, "statusReasonId", "statusDescription",
       "statusChangedAt", "statusBeforeCancellation", balance, "parentAccountId", version, "createdAt", "updatedAt")
     SELECT ${accountId('o', 'n')}, ${orgId('o')}, ${environmentId('o')}, ${programId('o')}, s::"AccountStatus",
       CASE WHEN s <> 'NORMAL' THEN ${reasonId('o')} END, CASE WHEN s <> 'NORMAL' THEN 'generated' END,
       ${CREATED} + interval '30 days', CASE WHEN s = 'CANCELLED' THEN 'NORMAL'::"AccountStatus" END,
       ${BALANCE}, ${PARENT}, CASE WHEN s = 'NORMAL' THEN 1 ELSE 2 END, ${CREATED}, now()
     FROM ${ACCOUNTS}, LATERAL (SELECT ${STATUS} AS s) st`,
  );
  await run(
    'Customer',
    `INSERT INTO "Customer" (id, "orgId", "environmentId", kind, name, "documentNumber", "createdAt")
     SELECT ${customerId('o', 'n')}, ${orgId('o')}, ${environmentId('o')},
       CASE WHEN n % 5 = 0 THEN 'COMPANY' ELSE 'PERSON' END::"CustomerKind",
       CASE WHEN n % 5 = 0 THEN 'Company ' ELSE 'Person ' END || n, 'DOC-' || n, ${CREATED}
     FROM ${ACCOUNTS}`,
  );
  await run(
    'AccountCustomer',
    `INSERT INTO "AccountCustomer" ("accountId", "customerId", "orgId", "environmentId", role)
     SELECT ${accountId('o', 'n')}, ${customerId('o', 'n')}, ${orgId('o')}, ${environmentId('o')}, 'HOLDER'::"AccountCustomerRole" FROM ${ACCOUNTS}
     UNION ALL
     SELECT ${accountId('o', 'n')}, ${customerId('o', '(n - 1)')}, ${orgId('o')}, ${environmentId('o')}, 'ADDITIONAL'::"AccountCustomerRole"
     FROM ${ACCOUNTS} WHERE n % 7 = 0`,
  );
  await run(
    'AccountStatusChange',
    `INSERT INTO "AccountStatusChange" ("orgId", "environmentId", "accountId", kind, "fromStatus", "toStatus",
       "reasonId", description, "accountVersion", actor, "createdAt")
     SELECT ${orgId('o')}, ${environmentId('o')}, ${accountId('o', 'n')}, 'CHANGE', 'NORMAL', s::"AccountStatus",
       ${reasonId('o')}, 'generated', 2, 'scale', ${CREATED} + interval '30 days'
     FROM ${ACCOUNTS}, LATERAL (SELECT ${STATUS} AS s) st WHERE s <> 'NORMAL'`,
  );
  await run(
    'AccountTransaction',
    `INSERT INTO "AccountTransaction" (id, "orgId", "environmentId", "accountId", type, amount, currency, "balanceAfter", actor, "createdAt")
     SELECT ${id('txn', 'o', 'n')}, ${orgId('o')}, ${environmentId('o')}, ${accountId('o', 'n')}, 'CASH_IN',
       ${BALANCE}, 'BRL', ${BALANCE}, 'scale', ${CREATED} + interval '1 day'
     FROM ${ACCOUNTS}`,
  );
  await addDailyBalances(pool, range, { fromDay: 1, toDay: options.days }, rows);
  await run(
    'Event',
    `INSERT INTO "Event" (id, type, "orgId", "environmentId", "subjectType", "subjectId", "occurredAt", payload)
     SELECT ${id('evt', 'o', 'n', 'e')}, 'account.created', ${orgId('o')}, ${environmentId('o')}, 'account',
       ${accountId('o', 'n')}::text, at, jsonb_build_object('accountId', ${accountId('o', 'n')}, 'generated', e)
     FROM ${ACCOUNTS}, generate_series(1, $3::int) AS e,
       LATERAL (SELECT now() - interval '1 day' * ($4::float8 - ($4::float8 - $5::float8)
         * ((n - $1) * $3 + e - 1) / (($2 - $1 + 1) * $3)::float8) AS at) t
     ORDER BY at, o`,
    [options.events, options.eventDaysAgo.from, options.eventDaysAgo.to],
  );
  return rows;
}

/** Accounts per org generated by one set of statements: a step of 1M is written 100k at a time */
const CHUNK_PER_ORG = 1000;

/** addAccounts over `range`, CHUNK_PER_ORG accounts per org at a time; `written` after each. */
export async function addAccountsInChunks(
  pool: pg.Pool,
  range: { from: number; to: number },
  options: {
    days: number;
    events: number;
    /** The events' times of the chunk of accounts `from`..`to` */
    eventDaysAgo: (chunk: { from: number; to: number }) => { from: number; to: number };
  },
  written: (lastAccount: number) => void = () => {},
): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (let from = range.from; from <= range.to; from += CHUNK_PER_ORG) {
    const chunk = { from, to: Math.min(range.to, from + CHUNK_PER_ORG - 1) };
    const added = await addAccounts(pool, chunk, {
      ...options,
      eventDaysAgo: options.eventDaysAgo(chunk),
    });
    for (const [table, n] of Object.entries(added)) rows[table] = (rows[table] ?? 0) + n;
    written(chunk.to);
  }
  return rows;
}

/** A TEST-environment API key of every org, issued as the product issues them; the tokens by org (1 first). */
export async function issueOrgKeys(pool: pg.Pool): Promise<string[]> {
  const keys = Array.from({ length: ORGS }, () => issueApiKey('TEST'));
  await pool.query(
    `INSERT INTO "ApiKey" (id, "orgId", "environmentId", prefix, "secretHash", name)
     SELECT k.id::uuid, ${orgId('o')}, ${environmentId('o')}, k.prefix, k.hash, 'load'
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(id, prefix, hash, o)`,
    [keys.map((k) => k.id), keys.map((k) => k.prefix), keys.map((k) => k.secretHash)],
  );
  return keys.map((k) => k.token);
}

/** Daily balances of accounts `from`..`to` of every org for the days `fromDay`..`toDay` before today. */
export async function addDailyBalances(
  pool: pg.Pool,
  range: { from: number; to: number },
  days: { fromDay: number; toDay: number },
  rows: Record<string, number> = {},
): Promise<Record<string, number>> {
  await pool.query(
    `SELECT "AccountDailyBalance_create_partitions"(current_date - $1::int, current_date)`,
    [days.toDay],
  );
  const result = await pool.query(
    `INSERT INTO "AccountDailyBalance" ("accountId", date, "orgId", "environmentId", "programId", currency,
       balance, "creditLimit", "availableCreditLimit", "availableToSpend")
     SELECT ${accountId('o', 'n')}, current_date - d, ${orgId('o')}, ${environmentId('o')}, ${programId('o')}, 'BRL',
       ${BALANCE}, 0, 0, ${BALANCE}
     FROM ${ACCOUNTS}, generate_series($3::int, $4::int) AS d`,
    [range.from, range.to, days.fromDay, days.toDay],
  );
  rows.AccountDailyBalance = (rows.AccountDailyBalance ?? 0) + (result.rowCount ?? 0);
  return rows;
}
