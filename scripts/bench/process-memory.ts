/** Memory of the workerd processes that Miniflare starts as children of this process (Linux only). */
import { readdirSync, readFileSync } from 'node:fs'

/** PIDs of this process's children named `workerd`, read from /proc. */
export function workerdChildren(): number[] {
  const pids: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // Fields after the parenthesised command name: state, then the parent PID.
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (command === 'workerd' && parent === process.pid) pids.push(Number(name))
    } catch {
      // The process ended while the list was read.
    }
  }
  return pids
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function residentBytes(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m)
  if (!match) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}
