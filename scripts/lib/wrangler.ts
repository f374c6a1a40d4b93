import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/** wrangler's CLI entry, run with this Node (22 or newer) rather than the system one. */
const WRANGLER_BIN = join(dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js')

/** Environment that keeps wrangler offline: no telemetry, error reports or `Request.cf` fetch. */
export const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
}

function wranglerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...WRANGLER_ENV }
}

/** Runs a wrangler command to completion, throwing when it fails. */
export function runWrangler(args: string[]): void {
  const result = spawnSync(process.execPath, [WRANGLER_BIN, ...args], { stdio: 'inherit', env: wranglerEnv() })
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.slice(0, 3).join(' ')} failed with exit code ${result.status ?? result.signal}`)
  }
}

/** Starts a long-running wrangler command (such as `dev`) in its own process group. */
export function spawnWrangler(args: string[]): ChildProcess {
  return spawn(process.execPath, [WRANGLER_BIN, ...args], { stdio: 'inherit', env: wranglerEnv(), detached: true })
}
