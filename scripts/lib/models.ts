import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { manifestSchema, type Manifest, type ModelEntry } from '../../schemas/manifest.ts'
import { runWrangler } from './wrangler.ts'

/** Folder of the ONNX files and their manifest. */
export const MODELS_DIR = 'models'
export const MANIFEST_PATH = join(MODELS_DIR, 'manifest.json')

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Reads and validates `models/manifest.json`. */
export function readManifest(): Manifest {
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`${MANIFEST_PATH} is invalid at "${issue.path.join('.')}": ${issue.message}`)
  }
  return parsed.data
}

/** Path of a model's file in the repository, from its `file` field or its key. */
export function modelPath(model: Manifest['models'][number]): string {
  return join(MODELS_DIR, model.file ?? model.key)
}

/**
 * Checks every model file against the manifest's size and SHA-256, so a stale
 * file is caught here instead of as a 503 from the Worker.
 */
export function verifyModelFiles(manifest: Manifest): void {
  for (const model of manifest.models) {
    const path = modelPath(model)
    const bytes = readFileSync(path)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    if (bytes.byteLength !== model.sizeBytes || sha256 !== model.sha256) {
      throw new Error(
        `${path} does not match ${MANIFEST_PATH}: ${bytes.byteLength} bytes with SHA-256 ${sha256}, ` +
          `expected ${model.sizeBytes} bytes with SHA-256 ${model.sha256}`,
      )
    }
  }
}

/**
 * Uploads every model, then the manifest, to an R2 bucket with `wrangler r2
 * object put`: the local bucket of `wrangler dev`, or the real one. The manifest
 * goes last so that a Worker never reads a manifest whose models are not there yet.
 */
export function uploadModels(options: { bucket: string; target: 'local' | 'remote'; manifestKey: string }): void {
  const manifest = readManifest()
  verifyModelFiles(manifest)

  const put = (key: string, file: string, contentType: string) =>
    runWrangler([
      'r2',
      'object',
      'put',
      `${options.bucket}/${key}`,
      '--file',
      file,
      '--content-type',
      contentType,
      `--${options.target}`,
    ])

  for (const model of manifest.models) {
    console.log(`uploading ${model.name}@${model.version} to ${options.target} R2 key ${model.key}`)
    put(model.key, modelPath(model), 'application/octet-stream')
  }
  console.log(`uploading the manifest to ${options.target} R2 key ${options.manifestKey}`)
  put(options.manifestKey, MANIFEST_PATH, 'application/json')
}

/**
 * Writes a model file to `outDir` and adds or replaces its entry (matched by
 * name) in `outDir/manifest.json`, creating the manifest if it is missing. Other
 * entries are kept, and the file is written as 2-space JSON (Prettier ignores models/).
 */
export function saveModel(
  outDir: string,
  file: string,
  model: Uint8Array,
  entry: ModelEntry,
): { modelPath: string; manifestPath: string } {
  const modelPath = join(outDir, file)
  const manifestPath = join(outDir, 'manifest.json')

  // The parsed JSON is edited, not zod's output, so that fields unknown to the schema survive.
  let manifest: { models: unknown[] } = { models: [] }
  if (existsSync(manifestPath)) {
    const raw = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: unknown[] }
    const parsed = manifestSchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new Error(`${manifestPath} is invalid at "${issue.path.join('.')}": ${issue.message}. Fix it and run again`)
    }
    manifest = raw
  }
  const index = manifest.models.findIndex((existing) => (existing as ModelEntry).name === entry.name)
  if (index >= 0) manifest.models[index] = entry
  else manifest.models.push(entry)
  manifestSchema.parse(manifest)

  mkdirSync(outDir, { recursive: true })
  writeFileSync(modelPath, model)
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  return { modelPath, manifestPath }
}
