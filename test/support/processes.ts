import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

// Entry points of the product (bin/*.ts, or compiled by `npm run build`) run as real processes.

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningEntryPoint {
  child: ChildProcess;
  /** Everything it printed so far */
  output(): string;
  /** SIGKILL to its whole process group: the process and every child it did not detach */
  killGroup(): Promise<void>;
}

/**
 * Starts `entry` (e.g. bin/worker.ts) with only `env` (and PATH) in its environment, in a process
 * group of its own, and resolves once its log shows `readyMessage`; rejects if it exits first or
 * is not ready within `timeoutMs`.
 */
export function startEntryPoint(
  entry: string,
  env: Record<string, string>,
  readyMessage: string,
  timeoutMs: number,
): Promise<RunningEntryPoint> {
  // TypeScript entry points run through tsx; compiled ones (npm run build) with node alone.
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return startCommand(process.execPath, [...loader, entry], env, readyMessage, timeoutMs);
}

/**
 * `npm run <script>` as a terminal runs it: npm and what it starts in one process group of their
 * own, which a Ctrl-C reaches as a whole. Otherwise as startEntryPoint.
 */
export function startNpmScript(
  script: string,
  env: Record<string, string>,
  readyMessage: string,
  timeoutMs: number,
): Promise<RunningEntryPoint> {
  // npm keeps its cache and logs under HOME
  const withHome = { HOME: process.env.HOME ?? os.tmpdir(), ...env };
  return startCommand('npm', ['run', script], withHome, readyMessage, timeoutMs);
}

async function startCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
  readyMessage: string,
  timeoutMs: number,
): Promise<RunningEntryPoint> {
  const entry = [command, ...args].join(' ');
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output += chunk;
    });
  }
  const exited = once(child, 'exit');
  const running: RunningEntryPoint = {
    child,
    output: () => output,
    async killGroup() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void running.killGroup();
      reject(new Error(`${entry} was not ready within ${timeoutMs} ms:\n${output.slice(-3000)}`));
    }, timeoutMs);
    const check = () => {
      if (output.includes(`"msg":"${readyMessage}"`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited before it was ready:\n${output.slice(-3000)}`));
    });
  });
  return running;
}

/**
 * Puts an already built workflow bundle where an entry point started with DATA_DIR=`dataDir`
 * looks for the bundle of the current code (by name), so it need not bundle again.
 */
export async function copyWorkflowBundle(dataDir: string, bundle: string): Promise<void> {
  const cacheDir = path.join(dataDir, 'workflow-bundles');
  await mkdir(cacheDir, { recursive: true });
  await copyFile(bundle, path.join(cacheDir, path.basename(bundle)));
}

/**
 * The environment of a whole product (`bin/start.ts` or `npm start`: its own PostgreSQL and
 * Temporal dev server) in a new data directory, every server on a free port.
 */
export async function wholeProductEnv(name: string, operatorKey: string) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `cie-${name}-`));
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    OPERATOR_API_KEY: operatorKey,
  };
  return { dataDir, port, env };
}
