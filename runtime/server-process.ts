import { spawn, type ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopLeftoverProcess } from './leftover-process.js';
import type { Logger } from './logger.js';

// A server binary the product starts and stops (the Temporal dev server, a Temporal cluster's
// services): in a process group of its own, so a terminal's Ctrl-C reaches the product first and
// the product stops it in order; a pid file, so the next start stops one a killed product left
// running; ended with this process should that exit without stopping it.

export interface ServerProcess {
  /** Resolves with the exit code once it has exited */
  exited: Promise<number | null>;
  /** The last lines it printed, which explain an early exit (a port taken, a locked file) */
  lastLines(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; removes the pid file */
  stop(graceMs: number): Promise<void>;
}

export async function startServerProcess(options: {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  pidFile: string;
  what: string;
  logger: Logger;
  /** Each line it prints */
  onLine?: (line: string) => void;
}): Promise<ServerProcess> {
  const { command, args, pidFile, what, logger } = options;
  await stopLeftoverProcess(pidFile, { signal: 'SIGTERM', what, logger, removePidFile: true });
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: options.env,
  });
  if (child.pid) await writeFile(pidFile, `${child.pid}\n`);
  const stopWithUs = () => child.kill('SIGTERM');
  process.once('exit', stopWithUs);
  const lines: string[] = [];
  forwardLines(child, (line) => {
    options.onLine?.(line);
    lines.push(line);
    if (lines.length > 5) lines.shift();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.once('error', (error) => logger.error({ err: error }, `could not run the ${what}`));
  return {
    exited,
    lastLines: () => [...lines],
    async stop(graceMs) {
      process.removeListener('exit', stopWithUs);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // The grace period's timer is cancelled once the server is gone, so it never keeps the
        // process alive after everything has stopped.
        const grace = new AbortController();
        const stopped = await Promise.race([
          exited.then(() => true),
          sleep(graceMs, undefined, { signal: grace.signal }).then(
            () => false,
            () => true,
          ),
        ]);
        grace.abort();
        if (!stopped) {
          logger.warn(`the ${what} did not stop within its grace period; killing it`);
          child.kill('SIGKILL');
          await exited;
        }
      }
      await rm(pidFile, { force: true });
    },
  };
}

function forwardLines(child: ChildProcess, log: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    });
  }
}
