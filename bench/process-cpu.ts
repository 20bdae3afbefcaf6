import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

// CPU time spent, read from /proc (Linux): this process's, and a PostgreSQL server's (the
// postmaster, its live children, and the children that have exited, which the postmaster reaped:
// a parallel worker or a closed connection still counts).

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux) */
const TICK_MS = 10;

/** This process's user and system CPU so far, in ms */
export function nodeCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The CPU process `pid` has used so far, in ms, with its exited children that it reaped */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = await procStat(pid);
  if (!stat) throw new Error(`no process ${pid}`);
  return (stat.utime + stat.stime + stat.cutime + stat.cstime) * TICK_MS;
}

/** The CPU the PostgreSQL server of `dataDir` has used so far, in ms */
export async function postgresCpuMs(dataDir: string): Promise<number> {
  const postmaster = Number(
    (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  let ticks = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await procStat(Number(entry));
    if (!stat) continue;
    if (Number(entry) === postmaster) ticks += stat.utime + stat.stime + stat.cutime + stat.cstime;
    else if (stat.ppid === postmaster) ticks += stat.utime + stat.stime;
  }
  return ticks * TICK_MS;
}

/** A process's parent and CPU ticks from /proc/<pid>/stat; undefined once it has gone */
async function procStat(
  pid: number,
): Promise<
  { ppid: number; utime: number; stime: number; cutime: number; cstime: number } | undefined
> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // After the command's closing parenthesis: state, ppid, ... utime (14th field), stime,
  // cutime, cstime
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [ppid, utime, stime, cutime, cstime] = [1, 11, 12, 13, 14].map((i) => Number(fields[i]));
  return { ppid: ppid!, utime: utime!, stime: stime!, cutime: cutime!, cstime: cstime! };
}
