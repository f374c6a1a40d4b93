/**
 * `npm start`: seeds the local R2 bucket from models/, makes sure .dev.vars has an
 * API_TOKEN, and serves the Worker with `wrangler dev` on 127.0.0.1:8787 with
 * cron testing enabled.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { uploadModels } from './lib/models.ts'
import { spawnWrangler } from './lib/wrangler.ts'

const HOST = '127.0.0.1'
const PORT = Number(process.env.PORT ?? 8787)
const BUCKET = 'onnx-edge-models'
const MANIFEST_KEY = 'manifest.json'
const DEV_VARS = '.dev.vars'

function ensureApiToken(): void {
  const current = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, 'utf8') : ''
  if (/^API_TOKEN=\S+/m.test(current)) return
  const token = randomBytes(32).toString('base64url')
  const separator = current === '' || current.endsWith('\n') ? '' : '\n'
  writeFileSync(DEV_VARS, `${current}${separator}API_TOKEN=${token}\n`, { mode: 0o600 })
  console.log(`wrote a random API_TOKEN to ${DEV_VARS}`)
}

try {
  uploadModels({ bucket: BUCKET, target: 'local', manifestKey: MANIFEST_KEY })
  ensureApiToken()
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}

const base = `http://${HOST}:${PORT}`
console.log(`
Starting wrangler dev on ${base}. Once it prints "Ready", try from another
terminal in this folder:

  TOKEN=$(sed -n 's/^API_TOKEN=//p' ${DEV_VARS})
  curl -sS ${base}/v1/vad -H "Authorization: Bearer $TOKEN" \\
    -H 'Content-Type: audio/wav' --data-binary @test/data/speech-16k-mono.wav

Fire the maintenance cron (it verifies and loads every model) with:
  curl '${base}/__scheduled?cron=*/30+*+*+*+*'
`)

const wrangler = spawnWrangler(['dev', '--ip', HOST, '--port', String(PORT), '--test-scheduled'])
const stop = (signal: NodeJS.Signals) => {
  if (wrangler.pid) process.kill(-wrangler.pid, signal)
}
process.on('SIGINT', () => stop('SIGINT'))
process.on('SIGTERM', () => stop('SIGTERM'))
wrangler.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
