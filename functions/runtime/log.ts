/** Fields of one structured log event; values must never include secrets or request bodies. */
export type LogFields = Record<string, string | number | boolean | null | undefined>

/**
 * Writes one JSON object per event to the console, which Workers Logs and
 * `wrangler tail` collect. Errors go to `console.error` so they are easy to filter.
 */
export function logEvent(level: 'info' | 'warn' | 'error', event: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, event, time: new Date().toISOString(), ...fields })
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}

/** Formats an unknown thrown value for a log line. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}
