import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

// `prisma generate` never runs the schema engine, but the CLI insists on having its binary and
// would download it. Pointing it at any executable lets generation run offline. Its banner and
// tips are shown only when it fails.
const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const started = performance.now();
try {
  await promisify(execFile)(process.execPath, [cli, 'generate'], {
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    },
  });
} catch (error) {
  const { stdout, stderr } = error as { stdout?: string; stderr?: string };
  console.error(`${stdout ?? ''}${stderr ?? ''}`.trimEnd());
  console.error('prisma generate failed');
  process.exit(1);
}
console.log(
  `generated the Prisma client in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
