import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Logger } from './logger.js';

const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

// Bundling the workflow code with webpack takes seconds; a bundle is built once per version of
// the code and reused by every start after. The lint rules keep workflow code to workflows/,
// machines/ and common/, so those files and the locked package versions are what a bundle is
// made of, and their hash names it.
const bundledSources = ['workflows', 'machines', 'common'];

// Compiled (dist/, `npm run build`) there are no workflow sources to bundle: the build wrote the
// bundle beside the compiled code, and that is the one to run.
const compiled = import.meta.url.endsWith('.js');
const prebuiltBundle = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/**
 * The path of the bundle for the code as it is now: the build's when running compiled, else the
 * one in `cacheDir`, built there if not there yet.
 */
export async function workflowBundlePath(cacheDir: string, logger: Logger): Promise<string> {
  if (compiled) {
    if (!(await exists(prebuiltBundle)))
      throw new Error(`${prebuiltBundle} is missing: build with \`npm run build\``);
    return prebuiltBundle;
  }
  const file = path.join(cacheDir, `workflows-${await sourceHash()}.js`);
  if (await exists(file)) return file;
  const started = performance.now();
  const code = await bundleWorkflows(logger);
  await mkdir(cacheDir, { recursive: true });
  // Older versions' bundles are of no further use.
  for (const old of await readdir(cacheDir))
    if (/^workflows-\w+\.js$/.test(old)) await rm(path.join(cacheDir, old), { force: true });
  // Written aside and renamed, so a concurrent start never reads half a bundle.
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, code);
  await rename(partial, file);
  logger.info({ ms: Math.round(performance.now() - started) }, 'workflow bundle built');
  return file;
}

/** The workflow code and what it imports, bundled by webpack into one script */
export async function bundleWorkflows(logger: Logger): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (message, meta) => logger.warn(meta ?? {}, message),
      error: (message, meta) => logger.error(meta ?? {}, message),
    },
  });
  return code;
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(path.join(root, 'package-lock.json')));
  for (const dir of bundledSources) {
    const files = (await readdir(path.join(root, dir), { recursive: true }))
      .filter((name) => name.endsWith('.ts'))
      .sort();
    for (const name of files) {
      hash.update(`\0${dir}/${name}\0`);
      hash.update(await readFile(path.join(root, dir, name)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
