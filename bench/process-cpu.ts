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

/** The CPU the PostgreSQL server of `dataDir` has used so far, in ms */
export async function postgresCpuMs(dataDir: string): Promise<number> {
  const postmaster = Number(
    (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  let ticks = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // After the command's closing parenthesis: state, ppid, ... utime (14th field), stime,
    // cutime, cstime
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [ppid, utime, stime, cutime, cstime] = [1, 11, 12, 13, 14].map((i) => Number(fields[i]));
    if (Number(entry) === postmaster) ticks += utime! + stime! + cutime! + cstime!;
    else if (ppid === postmaster) ticks += utime! + stime!;
  }
  return ticks * TICK_MS;
}
