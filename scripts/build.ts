import { execFile } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { createLogger } from '../runtime/logger.js';
import { bundleWorkflows } from '../runtime/workflow-bundle.js';

// `npm run build [-- outDir]`: the production build in dist/ (or outDir), run with `node dist/bin/start.js` (or api.js,
// worker.js) and the production dependencies; no TypeScript at run time.
// - The TypeScript sources compiled to JavaScript (tsconfig.build.json).
// - The workflow bundle, which the worker would otherwise build with webpack at start
//   (runtime/workflow-bundle.ts picks it up from there).
// - What the code reads relative to itself: its package.json (the version), the SQL migrations,
//   the pages' browser script.

const dist = process.argv[2] ?? 'dist';

async function step(what: string, run: () => Promise<void>) {
  const started = performance.now();
  await run();
  console.log(`${what} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await rm(dist, { recursive: true, force: true });
await step('compiled TypeScript', async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [
      tsc,
      '-p',
      'tsconfig.build.json',
      '--outDir',
      dist,
    ]);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    console.error(`${stdout ?? ''}${stderr ?? ''}`.trimEnd());
    throw new Error('tsc -p tsconfig.build.json failed');
  }
});
await step('bundled the workflow code', async () => {
  await writeFile(
    `${dist}/workflow-bundle.js`,
    await bundleWorkflows(createLogger({ logLevel: 'warn' })),
  );
});
await step('copied migrations and assets', async () => {
  const { name, version, type } = JSON.parse(await readFile('package.json', 'utf8')) as Record<
    string,
    string
  >;
  await writeFile(
    `${dist}/package.json`,
    `${JSON.stringify({ name, version, type, private: true }, null, 2)}\n`,
  );
  await cp('prisma/migrations', `${dist}/prisma/migrations`, { recursive: true });
  await cp('server/ui/assets', `${dist}/server/ui/assets`, { recursive: true });
});
