/**
 * Items per second of the Node batch runner (`npm run batch`) on the CPU: digits
 * from JSON pixels at several batch sizes, taken from the runner's own summary line.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Runs the runner over `lines` digits at each batch size; returns items/s by batch size. */
export function runnerThroughput(workDir: string, lines: number, batchSizes: readonly number[]): Map<number, number> {
  const sample = JSON.parse(readFileSync('test/data/digits-sample.json', 'utf8')) as {
    digits: Array<{ pixels: number[] }>
  }
  const input = join(workDir, 'digits.jsonl')
  const jobLines = Array.from({ length: lines }, (_, i) =>
    JSON.stringify({
      function: 'digits',
      id: `digit-${i}`,
      input: { pixels: sample.digits[i % sample.digits.length]!.pixels },
    }),
  )
  writeFileSync(input, `${jobLines.join('\n')}\n`)

  const rates = new Map<number, number>()
  for (const batchSize of batchSizes) {
    const args = ['scripts/batch.ts', '--input', input, '--output', join(workDir, `digits-${batchSize}.jsonl`)]
    args.push('--overwrite', '--device', 'cpu', '--batch-size', String(batchSize))
    const result = spawnSync(process.execPath, args, { encoding: 'utf8' })
    const summary = result.stderr.match(/summary: (\d+) items, \d+ ok, (\d+) failed, [\d.]+ s, ([\d.]+) items\/s/)
    if (result.status !== 0 || !summary || Number(summary[1]) !== lines || summary[2] !== '0') {
      throw new Error(`the batch runner failed at batch size ${batchSize}:\n${result.stderr.slice(-2000)}`)
    }
    rates.set(batchSize, Number(summary[3]))
  }
  return rates
}
