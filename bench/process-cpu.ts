import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

// CPU time spent and memory held, read from /proc (Linux): this process's, another's by pid, and
// a PostgreSQL server's (the postmaster, its live children, and the children that have exited,
// which the postmaster reaped: a parallel worker or a closed connection still counts).

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux) */
const TICK_MS = 10;

/** This process's user and system CPU so far, in ms */
export function nodeCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The CPU the PostgreSQL server of `dataDir` has used so far, in ms */
export async function postgresCpuMs(dataDir: string): Promise<number> {
  const postmaster = Number(
    (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  // A child reaped while the children are read would be in neither sum (gone from /proc, and
  // not yet in the postmaster's reaped times as first read): read again until none was.
  for (;;) {
    const before = await cpuTicks(postmaster);
    if (!before) throw new Error(`no PostgreSQL process ${postmaster}`);
    let children = 0;
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === postmaster) continue;
      const times = await cpuTicks(Number(entry));
      if (times?.ppid === postmaster) children += times.own;
    }
    const after = await cpuTicks(postmaster);
    if (after?.reaped === before.reaped) return (before.own + before.reaped + children) * TICK_MS;
  }
}

/** The CPU process `pid` has used so far (its reaped children included), in ms */
export async function processCpuMs(pid: number): Promise<number> {
  const times = await cpuTicks(pid);
  if (!times) throw new Error(`no process ${pid}`);
  return (times.own + times.reaped) * TICK_MS;
}

/** The resident memory of process `pid` now, in MB */
export async function processRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) / 1024;
}

/** A process's parent, its own CPU ticks (user + system) and those of its reaped children */
async function cpuTicks(
  pid: number,
): Promise<{ ppid: number; own: number; reaped: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // After the command's closing parenthesis: state, ppid, ... utime (14th field), stime,
  // cutime, cstime
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [ppid, utime, stime, cutime, cstime] = [1, 11, 12, 13, 14].map((i) => Number(fields[i]));
  return { ppid: ppid!, own: utime! + stime!, reaped: cutime! + cstime! };
}
