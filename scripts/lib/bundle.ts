import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import { MANIFEST_PATH, modelPath, readManifest } from './models.ts'
import { runWrangler } from './wrangler.ts'

/** A module of the bundle that `wrangler deploy --dry-run` writes. */
export interface BundleModule {
  type: 'ESModule' | 'CompiledWasm'
  path: string
  contents: Uint8Array
}

/** Builds the production bundle into `outDir` without uploading it. */
export function buildBundle(outDir: string): void {
  runWrangler(['deploy', '--dry-run', '--outdir', outDir])
}

/**
 * Lists the modules of a built bundle for Miniflare: the entry as an ES module and
 * each .wasm as a precompiled module. Miniflare's automatic module collection
 * cannot follow ORT's dynamic `import(url)`, so the list is given explicitly.
 */
export function bundleModules(outDir: string): BundleModule[] {
  const wasm = readdirSync(outDir).filter((name) => name.endsWith('.wasm'))
  return [
    { type: 'ESModule', path: 'index.js', contents: readFileSync(join(outDir, 'index.js')) },
    ...wasm.map((name) => ({ type: 'CompiledWasm' as const, path: name, contents: readFileSync(join(outDir, name)) })),
  ]
}

/** Raw and gzip sizes of the uploaded files (the entry and the .wasm modules). */
export function bundleSize(outDir: string): { rawBytes: number; gzipBytes: number } {
  let rawBytes = 0
  let gzipBytes = 0
  for (const name of readdirSync(outDir).filter((file) => file === 'index.js' || file.endsWith('.wasm'))) {
    const path = join(outDir, name)
    rawBytes += statSync(path).size
    gzipBytes += gzipSync(readFileSync(path)).byteLength
  }
  return { rawBytes, gzipBytes }
}

/** Reads the `compatibility_date` of wrangler.toml. */
export function compatibilityDate(configPath = 'wrangler.toml'): string {
  const match = readFileSync(configPath, 'utf8').match(/^compatibility_date\s*=\s*"([^"]+)"/m)
  if (!match) throw new Error(`${configPath} has no compatibility_date`)
  return match[1]!
}

/** Credentials of Miniflare's local S3-compatible endpoint for the bucket, at `/cdn-cgi/local/r2/s3`. */
export interface LocalS3Credentials {
  accessKeyId: string
  secretAccessKey: string
}

/** Options of {@link serveBundle}. */
export interface ServeOptions {
  /** Also serves the bucket through Miniflare's experimental S3-compatible endpoint. */
  s3Credentials?: LocalS3Credentials
  /** Listens on 127.0.0.1 at a free port (`await miniflare.ready` gives the URL); implied by `s3Credentials`. */
  listen?: boolean
  /** Receives the Worker's console output line by line instead of Miniflare printing it. */
  onLog?: (level: string, message: string) => void
}

/**
 * Serves a built bundle in plain Miniflare, under the production runtime's rules,
 * with an R2 bucket (`onnx-edge-models`) seeded from models/ and the given
 * bindings.
 */
export async function serveBundle(
  outDir: string,
  bindings: Record<string, string>,
  { s3Credentials, listen = s3Credentials !== undefined, onLog }: ServeOptions = {},
): Promise<Miniflare> {
  // Miniflare 5 takes a new options shape; the converter accepts the v4 one.
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      modules: bundleModules(outDir),
      compatibilityDate: compatibilityDate(),
      r2Buckets: { MODELS: { id: 'onnx-edge-models', s3Credentials } },
      bindings,
      ...(listen ? { host: '127.0.0.1', port: 0 } : {}),
      ...(onLog
        ? { handleStructuredLogs: (log: { level: string; message: string }) => onLog(log.level, log.message) }
        : {}),
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  )
  const bucket = await miniflare.getR2Bucket('MODELS')
  for (const model of readManifest().models) await bucket.put(model.key, readFileSync(modelPath(model)))
  await bucket.put(bindings.MANIFEST_KEY ?? 'manifest.json', readFileSync(MANIFEST_PATH))
  await miniflare.ready
  return miniflare
}
