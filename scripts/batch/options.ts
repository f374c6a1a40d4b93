import { statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { DEVICES, type Device } from './device.ts'
import { FUNCTIONS, FOLDER_EXTENSIONS, type FunctionName } from './items.ts'

export const USAGE = `Usage:
  npm run batch -- --input <folder> --function vad|faces|digits [options]
  npm run batch -- --input <job.jsonl> [--objects <dir>] [options]
  npm run batch -- --job <id> [--bucket <name>] [options]

Input (one of):
  --input <folder>        every ${Object.entries(FOLDER_EXTENSIONS)
    .map(([fn, extensions]) => `${extensions.join('/')} (${fn})`)
    .join(', ')} file directly in the
                          folder (not in subfolders), sorted by name, is one line of --function;
                          the file name is the result's id
  --input <file.jsonl>    job lines as POST /v1/jobs takes them; object keys are paths
                          relative to the file's folder, or to --objects <dir>
  --job <id>              the job jobs/<id>/ in an S3-compatible bucket (R2): reads job.json and
                          input.jsonl, writes jobs/<id>/results/<chunk>.jsonl for chunks that have
                          none, then sets job.json state "done". Needs S3_ENDPOINT,
                          AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (default auto) and
                          --bucket or S3_BUCKET

Options:
  --output <file.jsonl>   results, one entry per input line in input order; "-" writes to
                          stdout. Default: <input>.results.jsonl beside a folder or .jsonl input
  --resume                keep the results already in --output and run only the other lines
                          (and lines whose error had status 500 or more)
  --overwrite             replace an existing --output file
  --device <name>         auto, cuda, webgpu or cpu (default auto: the first of cuda, webgpu,
                          cpu that loads and runs a model)
  --batch-size <n>        digits lines stacked into one model run (default 16)
  --concurrency <n>       lines run at the same time in this process, each lane with its own
                          sessions (default 1). Decoding and pre/post-processing share one
                          JavaScript thread, so more lanes help only when model runs dominate
  --threads <n>           intra-op threads per session (default 1)
  --limit <n>             stop after <n> lines, as if interrupted; --resume continues
  --max-audio-seconds <n> longest audio accepted, in seconds (default 600)
  --max-image-pixels <n>  largest image accepted, in pixels (default 12000000)
  -h, --help              print this help

Exit status: 0 when every line succeeded, 1 when some line has an error entry,
2 for invalid options or a failed setup, 130 when interrupted (Ctrl-C).`

/** Source of the input lines. */
export type InputSource =
  | { kind: 'folder'; folder: string; fn: FunctionName }
  | { kind: 'jsonl'; file: string; objectsDir: string }
  | { kind: 'bucket'; jobId: string; bucket?: string }

/** Validated command-line options. */
export interface BatchOptions {
  source: InputSource
  /** Output file, `-` for stdout, or undefined for a bucket job (results go to the bucket). */
  output?: string
  resume: boolean
  overwrite: boolean
  device: Device
  batchSize: number
  concurrency: number
  threads: number
  limit?: number
  maxAudioSeconds: number
  maxImagePixels: number
}

/** Invalid command line; the message names the option that is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const number = Number(value)
  if (!Number.isInteger(number) || number < 1)
    throw new UsageError(`--${name} must be a positive integer, got "${value}"`)
  return number
}

/**
 * Parses and checks the command line. Returns undefined for `--help`.
 *
 * @throws {UsageError} for an unknown option, a missing input, or an invalid value.
 */
export function parseBatchOptions(args: string[]): BatchOptions | undefined {
  let values
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        input: { type: 'string' },
        function: { type: 'string' },
        objects: { type: 'string' },
        job: { type: 'string' },
        bucket: { type: 'string' },
        output: { type: 'string' },
        resume: { type: 'boolean', default: false },
        overwrite: { type: 'boolean', default: false },
        device: { type: 'string', default: 'auto' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
        threads: { type: 'string' },
        limit: { type: 'string' },
        'max-audio-seconds': { type: 'string' },
        'max-image-pixels': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) return undefined

  if (!DEVICES.includes(values.device as Device)) {
    throw new UsageError(`--device must be one of ${DEVICES.join(', ')}, got "${values.device}"`)
  }
  if (values.resume && values.overwrite) throw new UsageError('--resume and --overwrite cannot be combined')

  let source: InputSource
  let output = values.output
  if (values.job !== undefined) {
    if (values.input !== undefined) throw new UsageError('give either --input or --job, not both')
    source = { kind: 'bucket', jobId: values.job, bucket: values.bucket }
    if (output !== undefined)
      throw new UsageError('--output does not apply to --job: results are written to the bucket')
  } else if (values.input !== undefined) {
    const input = resolve(values.input)
    let isFolder: boolean
    try {
      isFolder = statSync(input).isDirectory()
    } catch {
      throw new UsageError(`--input ${values.input} does not exist`)
    }
    if (isFolder) {
      if (!FUNCTIONS.includes(values.function as FunctionName)) {
        throw new UsageError(`folder input needs --function ${FUNCTIONS.join('|')}, got "${values.function ?? ''}"`)
      }
      source = { kind: 'folder', folder: input, fn: values.function as FunctionName }
      output ??= join(dirname(input), `${basename(input)}.results.jsonl`)
    } else {
      if (values.function !== undefined)
        throw new UsageError('--function applies to folder input; job lines name their own')
      source = { kind: 'jsonl', file: input, objectsDir: resolve(values.objects ?? dirname(input)) }
      output ??= join(dirname(input), `${basename(input).replace(/\.jsonl$/i, '')}.results.jsonl`)
    }
  } else {
    throw new UsageError('missing --input <folder|file.jsonl> or --job <id>')
  }
  if (output === '-' && values.resume) throw new UsageError('--resume needs an --output file, not stdout')

  return {
    source,
    output: output === undefined || output === '-' ? output : resolve(output),
    resume: values.resume,
    overwrite: values.overwrite,
    device: values.device as Device,
    batchSize: positiveInteger('batch-size', values['batch-size'], 16),
    concurrency: positiveInteger('concurrency', values.concurrency, 1),
    threads: positiveInteger('threads', values.threads, 1),
    limit: values.limit === undefined ? undefined : positiveInteger('limit', values.limit, 1),
    maxAudioSeconds: positiveInteger('max-audio-seconds', values['max-audio-seconds'], 600),
    maxImagePixels: positiveInteger('max-image-pixels', values['max-image-pixels'], 12_000_000),
  }
}
