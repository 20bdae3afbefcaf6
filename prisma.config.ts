import { defineConfig } from 'prisma/config';

// The CLI is used offline only for `generate` (see scripts/generate-prisma.ts); migrations are
// applied by runtime/migrate.ts. DATABASE_URL is read here only so that `prisma migrate deploy`
// works on a connected machine against an external database.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
