import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

// `prisma generate` never runs the schema engine, but the CLI insists on having its binary and
// would download it. Pointing it at any executable lets generation run offline.
const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
execFileSync(process.execPath, [cli, 'generate'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  },
});
