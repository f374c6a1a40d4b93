/**
 * Accumulates named durations of one call, in the order they were first
 * recorded. Repeated spans with one name (such as one model run per audio frame)
 * add up.
 */
export class Timer {
  readonly #durationsMs = new Map<string, number>()

  /** Adds `durationMs` to the span `name`. */
  add(name: string, durationMs: number): void {
    this.#durationsMs.set(name, (this.#durationsMs.get(name) ?? 0) + durationMs)
  }

  /** Runs `work` and adds its duration to the span `name`, also when it throws. */
  async measure<T>(name: string, work: () => T | Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await work()
    } finally {
      this.add(name, performance.now() - started)
    }
  }

  /** Durations in milliseconds, by span name. */
  entries(): Array<[name: string, durationMs: number]> {
    return [...this.#durationsMs.entries()]
  }
}

/**
 * Formats timings as a `Server-Timing` header value, for example
 * `decode;dur=1.204, model;dur=30.51`.
 */
export function formatServerTiming(entries: Array<[string, number]>): string {
  return entries.map(([name, durationMs]) => `${name};dur=${durationMs.toFixed(3)}`).join(', ')
}
