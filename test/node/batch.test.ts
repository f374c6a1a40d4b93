import { localRegistry } from '../../scripts/node/local-models.ts'
import { spawn } from 'node:child_process'
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runJobLine, type JobLineContext } from '../../functions/jobs/line.ts'
import { CallPath } from '../../functions/runtime/call.ts'
import type { DigitsResponse } from '../../schemas/digits.ts'
import type { FacesResponse } from '../../schemas/faces.ts'
import { jobResultSchema, type JobLine, type JobResult } from '../../schemas/jobs.ts'
import type { VadResponse } from '../../schemas/vad.ts'
import { FileModelStore } from '../../scripts/node/file-store.ts'

const DATA_DIR = 'test/data'
const TRUTH = JSON.parse(readFileSync(join(DATA_DIR, 'ground-truth.json'), 'utf8')) as {
  audio: Record<string, { speech_intervals_s: Array<[number, number]> }>
  faces: Record<string, { boxes_xyxy_px: number[][] }>
}
const SAMPLE = JSON.parse(readFileSync(join(DATA_DIR, 'digits-sample.json'), 'utf8')) as {
  digits: Array<{ label: number; pixels: number[] }>
}

/** Allowed distance in seconds between a segment edge and the ground truth, as in the Worker's VAD tests. */
const EDGE_TOLERANCE_S = 0.25
/** Allowed difference between probabilities of a batched and an unbatched digits run. */
const BATCH_TOLERANCE = 1e-5

interface CliRun {
  code: number | null
  stderr: string
}

/** Runs scripts/batch.ts with this Node; `watch` is called every 20 ms with the child, to interrupt it. */
function runCli(args: string[], watch?: (child: ReturnType<typeof spawn>) => void): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['scripts/batch.ts', '--device', 'cpu', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stdout.resume()
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = watch ? setInterval(() => watch(child), 20) : undefined
    child.on('error', reject)
    child.on('close', (code) => {
      clearInterval(timer)
      resolvePromise({ code, stderr })
    })
  })
}

function readResults(path: string): JobResult[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => jobResultSchema.parse(JSON.parse(line)))
}

function outputOf<T>(result: JobResult | undefined): T {
  expect(result?.ok).toBe(true)
  return (result as Extract<JobResult, { ok: true }>).output as T
}

/** Builds a runner of the same pipelines in this process through runJobLine, as the Worker runs job lines. */
function inProcessRunner(objectsDir: string) {
  const registry = localRegistry()
  const objects = new FileModelStore(objectsDir)
  const context: JobLineContext = {
    callPath: new CallPath(registry, []),
    readObject: async (key) => (await objects.get(key))?.bytes ?? null,
    maxAudioSeconds: 600,
    maxImagePixels: 12_000_000,
  }
  return {
    run: (line: JobLine, number: number) => runJobLine(line, number, context, `reference-${number}`),
    close: () => registry.reset(),
  }
}

let workDir: string

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'onnx-edge-batch-'))
})

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true })
})

function folderWith(name: string, files: string[]): string {
  const folder = join(workDir, name)
  mkdirSync(folder)
  for (const file of files) copyFileSync(join(DATA_DIR, file), join(folder, file.split('/').pop()!))
  return folder
}

describe('batch runner on a folder', () => {
  it('runs vad on WAV files like the pipeline', async () => {
    const wavs = Object.keys(TRUTH.audio).sort()
    const folder = folderWith('wav', [...wavs, 'face-one.png'])
    const output = join(workDir, 'wav.jsonl')

    const { code, stderr } = await runCli(['--input', folder, '--function', 'vad', '--output', output])
    expect(code, stderr).toBe(0)
    expect(stderr).toContain('skipping 1 files')
    expect(stderr).toMatch(/summary: 4 items, 4 ok, 0 failed, .* device cpu/)

    const results = readResults(output)
    expect(results.map((result) => result.id)).toEqual(wavs)
    expect(results.map((result) => result.line)).toEqual([1, 2, 3, 4])
    const reference = inProcessRunner(folder)
    for (const [index, name] of wavs.entries()) {
      const output = outputOf<VadResponse>(results[index])
      const truth = TRUTH.audio[name]!.speech_intervals_s
      expect(output.segments).toHaveLength(truth.length)
      output.segments.forEach((segment, k) => {
        expect(Math.abs(segment.start - truth[k]![0])).toBeLessThanOrEqual(EDGE_TOLERANCE_S)
        expect(Math.abs(segment.end - truth[k]![1])).toBeLessThanOrEqual(EDGE_TOLERANCE_S)
      })
      const expected = await reference.run({ function: 'vad', id: name, input: vadInput(name) }, index + 1)
      expect(results[index]).toEqual(expected)
    }
    await reference.close()
  })

  it('runs faces on images like the pipeline', async () => {
    const images = ['face-one.jpg', 'face-one.png', 'no-face.png']
    const folder = folderWith('faces', images)
    const output = join(workDir, 'faces.jsonl')

    const { code, stderr } = await runCli(['--input', folder, '--function', 'faces', '--output', output])
    expect(code, stderr).toBe(0)

    const results = readResults(output)
    expect(results.map((result) => result.id)).toEqual(images)
    const reference = inProcessRunner(folder)
    for (const [index, name] of images.entries()) {
      const output = outputOf<FacesResponse>(results[index])
      const truth = TRUTH.faces[name]!.boxes_xyxy_px
      expect(output.faces).toHaveLength(truth.length)
      for (const [k, face] of output.faces.entries()) {
        const [xMin, yMin, xMax, yMax] = truth[k]!
        const tolerance = 0.1 * (xMax! - xMin!)
        expect(Math.abs(face.box.x - xMin!)).toBeLessThanOrEqual(tolerance)
        expect(Math.abs(face.box.y - yMin!)).toBeLessThanOrEqual(tolerance)
        expect(Math.abs(face.box.x + face.box.width - xMax!)).toBeLessThanOrEqual(tolerance)
        expect(Math.abs(face.box.y + face.box.height - yMax!)).toBeLessThanOrEqual(tolerance)
      }
      const expected = await reference.run({ function: 'faces', id: name, input: { key: name } }, index + 1)
      expect(results[index]).toEqual(expected)
    }
    await reference.close()
  })
})

function vadInput(key: string) {
  return { key, threshold: 0.5, minSpeechMs: 250, minSilenceMs: 250, speechPadMs: 30 }
}

describe('batch runner on digits', () => {
  const images = Array.from({ length: 10 }, (_, label) => `digit-${label}.png`)

  it('batches digits within 1e-5 of single runs', async () => {
    const folder = folderWith('digits', images)
    const lines = [
      ...images.map((key) => ({ function: 'digits', id: key, input: { key } })),
      ...SAMPLE.digits.map((digit, index) => ({
        function: 'digits',
        id: `sample-${index}`,
        input: { pixels: digit.pixels },
      })),
    ]
    const input = join(folder, 'digits.jsonl')
    writeFileSync(input, lines.map((line) => JSON.stringify(line)).join('\n') + '\n')
    const labels = [...images.map((_, label) => label), ...SAMPLE.digits.map((digit) => digit.label)]

    const single = join(workDir, 'digits-1.jsonl')
    const batched = join(workDir, 'digits-8.jsonl')
    const first = await runCli(['--input', input, '--batch-size', '1', '--output', single])
    expect(first.code, first.stderr).toBe(0)
    const second = await runCli(['--input', input, '--batch-size', '8', '--output', batched])
    expect(second.code, second.stderr).toBe(0)

    const singleResults = readResults(single)
    const batchedResults = readResults(batched)
    expect(singleResults).toHaveLength(lines.length)
    expect(batchedResults.map((result) => result.line)).toEqual(singleResults.map((result) => result.line))

    const reference = inProcessRunner(folder)
    for (const [index, label] of labels.entries()) {
      const one = outputOf<DigitsResponse>(singleResults[index])
      const eight = outputOf<DigitsResponse>(batchedResults[index])
      expect(one.digit).toBe(label)
      expect(eight.digit).toBe(label)
      expect(eight.model).toEqual(one.model)
      one.probabilities.forEach((probability, k) => {
        expect(Math.abs(eight.probabilities[k]! - probability)).toBeLessThanOrEqual(BATCH_TOLERANCE)
      })
      const expected = await reference.run(JSON.parse(JSON.stringify(lines[index])) as JobLine, index + 1)
      expect(singleResults[index]).toEqual(expected)
    }
    await reference.close()
  })
})

describe('batch runner on a JSONL job', () => {
  it('turns bad lines into error entries', async () => {
    const folder = folderWith('job', ['digit-3.png', 'speech-16k-mono.wav'])
    const input = join(folder, 'job.jsonl')
    const lines = [
      JSON.stringify({ function: 'digits', id: 'three', input: { key: 'digit-3.png' } }),
      '{"function": "digits", "input": ',
      JSON.stringify({ function: 'vad', id: 'speech', input: { key: 'speech-16k-mono.wav' } }),
      '',
      JSON.stringify({ function: 'faces', id: 'gone', input: { key: 'missing.png' } }),
      JSON.stringify({ function: 'digits', id: 'short', input: { pixels: [0.5, 0.5] } }),
    ]
    writeFileSync(input, lines.join('\n') + '\n')
    const output = join(workDir, 'job.results.jsonl')

    const { code, stderr } = await runCli(['--input', input, '--output', output, '--batch-size', '4'])
    expect(code, stderr).toBe(1)
    expect(stderr).toContain('line 2 is invalid')
    expect(stderr).toContain('line 6 is invalid')

    const results = readResults(output)
    expect(results.map((result) => result.line)).toEqual([1, 2, 3, 5, 6])
    expect(results.map((result) => result.ok)).toEqual([true, false, true, false, false])
    expect(outputOf<DigitsResponse>(results[0]).digit).toBe(3)
    expect(outputOf<VadResponse>(results[2]).segments).toHaveLength(2)

    const [invalidJson, missing, shortPixels] = [results[1]!, results[3]!, results[4]!]
    expect(invalidJson.ok || invalidJson.error.status).toBe(400)
    expect(invalidJson.ok || invalidJson.error.detail).toContain('not valid JSON')
    expect(missing.id).toBe('gone')
    expect(missing.ok || missing.error.status).toBe(400)
    expect(missing.ok || missing.error.field).toBe('input.key')
    expect(missing.ok || missing.error.detail).toContain('missing.png')
    expect(shortPixels.id).toBe('short')
    expect(shortPixels.ok || shortPixels.error.field).toBe('input.pixels')
  })

  it('rejects an existing output without --resume', async () => {
    const input = join(workDir, 'one.jsonl')
    writeFileSync(input, JSON.stringify({ function: 'digits', input: { pixels: SAMPLE.digits[0]!.pixels } }) + '\n')
    const output = join(workDir, 'one.results.jsonl')
    writeFileSync(output, 'earlier results\n')

    const { code, stderr } = await runCli(['--input', input, '--output', output])
    expect(code).toBe(2)
    expect(stderr).toContain('--resume')
    expect(readFileSync(output, 'utf8')).toBe('earlier results\n')
  })
})

describe('batch runner resume', () => {
  const LINE_COUNT = 45

  function writeSpeechJob(name: string): { input: string; output: string } {
    const folder = folderWith(name, ['speech-16k-mono.wav', 'digit-7.png'])
    const input = join(folder, 'job.jsonl')
    const lines = Array.from({ length: LINE_COUNT }, (_, index) =>
      index % 3 === 2
        ? { function: 'digits', id: `digit-${index}`, input: { key: 'digit-7.png' } }
        : { function: 'vad', id: `speech-${index}`, input: { key: 'speech-16k-mono.wav' } },
    )
    writeFileSync(input, lines.map((line) => JSON.stringify(line)).join('\n') + '\n')
    return { input, output: join(folder, 'job.results.jsonl') }
  }

  function expectOneEntryPerLine(output: string): void {
    const results = readResults(output)
    expect(results.map((result) => result.line)).toEqual(Array.from({ length: LINE_COUNT }, (_, index) => index + 1))
    expect(results.every((result) => result.ok)).toBe(true)
    expect(results.map((result) => result.id)).toEqual(
      results.map((_, index) => (index % 3 === 2 ? `digit-${index}` : `speech-${index}`)),
    )
  }

  it('finishes a run interrupted by SIGINT', async () => {
    const { input, output } = writeSpeechJob('interrupted')
    let signalled = false
    const first = await runCli(['--input', input, '--concurrency', '1'], (child) => {
      if (signalled || !existsSync(output)) return
      if (readFileSync(output, 'utf8').split('\n').length > 3) {
        signalled = true
        child.kill('SIGINT')
      }
    })
    expect(signalled).toBe(true)
    expect(first.code, first.stderr).toBe(130)
    const partial = readResults(output)
    expect(partial.length).toBeGreaterThan(0)
    expect(partial.length).toBeLessThan(LINE_COUNT)
    expect(readFileSync(output, 'utf8').endsWith('\n')).toBe(true)

    // A run killed during a write leaves half a line; resume must drop it.
    appendFileSync(output, '{"line": 29, "ok": tr')
    const second = await runCli(['--input', input, '--resume'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toContain(`resuming: ${partial.length} of ${LINE_COUNT} lines already have results`)
    expect(second.stderr).toContain('removed an incomplete last line')
    expectOneEntryPerLine(output)
  })

  it('continues after --limit', async () => {
    const { input, output } = writeSpeechJob('limited')
    const first = await runCli(['--input', input, '--limit', '7'])
    expect(first.code, first.stderr).toBe(0)
    expect(readResults(output)).toHaveLength(7)

    const second = await runCli(['--input', input, '--resume', '--batch-size', '4'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toContain(`running ${LINE_COUNT - 7} lines`)
    expectOneEntryPerLine(output)

    const third = await runCli(['--input', input, '--resume'])
    expect(third.code, third.stderr).toBe(0)
    expect(third.stderr).toContain('running 0 lines')
    expectOneEntryPerLine(output)
  })
})
