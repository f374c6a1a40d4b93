/** Summary statistics of latency samples. */

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** Parses `Server-Timing: name;dur=1.2, …` into durations by name. */
export function serverTiming(header: string | null): Record<string, number> {
  const spans: Record<string, number> = {}
  for (const part of (header ?? '').split(',')) {
    const match = part.trim().match(/^([\w-]+);dur=([\d.]+)$/)
    if (match) spans[match[1]!] = Number(match[2])
  }
  return spans
}

/** A timed request: its wall time and the server's spans. */
export interface Sample {
  ms: number
  spans: Record<string, number>
}

/** Median of span `name` over the samples, 0 where a sample lacks it. */
export function spanMedian(samples: readonly Sample[], name: string): number {
  return median(samples.map((sample) => sample.spans[name] ?? 0))
}

/** Names of the spans that the samples carry, in first-seen order. */
export function spanNames(samples: readonly Sample[]): string[] {
  return [...new Set(samples.flatMap((sample) => Object.keys(sample.spans)))]
}
