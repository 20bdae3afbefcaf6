import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface AccountRows {
  org: string;
  env: string;
  program: string;
  account: string;
}

/** An org, its test environment, a program and an account, inserted with plain SQL by `client`. */
export async function insertAccountRows(client: pg.Client): Promise<AccountRows> {
  const ids = {
    org: randomUUID(),
    env: randomUUID(),
    program: randomUUID(),
    account: randomUUID(),
  };
  await client.query(`
    INSERT INTO "Org" (id, "legalName", "addressLine1", city, "postalCode", country, "timeZone", "updatedAt")
      VALUES ('${ids.org}', 'Acme', 'Street 1', 'City', '000', 'BR', 'America/Sao_Paulo', now());
    INSERT INTO "Environment" (id, "orgId", kind) VALUES ('${ids.env}', '${ids.org}', 'TEST');
    INSERT INTO "Program" (id, "orgId", "environmentId", name, type, "cardNetwork", currency)
      VALUES ('${ids.program}', '${ids.org}', '${ids.env}', 'Gold', 'CREDIT', 'VISA', 'BRL');
    INSERT INTO "Account" (id, "orgId", "environmentId", "programId", "updatedAt")
      VALUES ('${ids.account}', '${ids.org}', '${ids.env}', '${ids.program}', now());`);
  return ids;
}
