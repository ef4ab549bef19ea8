import fs from 'node:fs';

/** User + system CPU seconds a process has used so far, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (100 Hz)
}

/**
 * The local MariaDB/MySQL server's pid, or undefined when none runs on this machine (a remote BENCH_MYSQL_URL): on
 * a shared machine the database's CPU is part of what the service's work costs, so the benches report it.
 */
export function localDatabasePid(): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const name = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (name === 'mariadbd' || name === 'mysqld') return Number(entry);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return undefined;
}

/** The live children of a process (a cluster primary's workers), from /proc (Linux). */
export function childPids(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' '))
      .filter((p) => p.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}
