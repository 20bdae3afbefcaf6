import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';

// A product process killed with SIGKILL cannot stop the servers it started. The next start finds
// them through their pid files and stops them before starting fresh ones on the same data.

/** Whether a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopLeftoverProcess(
  pidFile: string,
  options: { signal: NodeJS.Signals; what: string; logger: Logger; removePidFile: boolean },
): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0]?.trim() ?? '', 10);
  if (Number.isInteger(pid) && pid > 1 && pid !== process.pid && isAlive(pid)) {
    options.logger.warn({ pid }, `stopping ${options.what} left running by an earlier start`);
    process.kill(pid, options.signal);
    for (let waited = 0; isAlive(pid) && waited < 15_000; waited += 100) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    for (let waited = 0; isAlive(pid) && waited < 5_000; waited += 100) await sleep(100);
  }
  if (options.removePidFile) await rm(pidFile, { force: true });
}
