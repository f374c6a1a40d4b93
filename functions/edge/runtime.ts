import { envSchema, type EdgeConfig } from '../../schemas/env.ts'
import { CallPath } from '../runtime/call.ts'
import { ServiceMisconfiguredError } from '../runtime/errors.ts'
import { logEvent } from '../runtime/log.ts'
import { STATUS_KEY } from '../runtime/maintenance.ts'
import { ModelRegistry } from '../runtime/registry.ts'
import { OrtWebBackend } from './ort-web-backend.ts'
import { R2ModelStore } from './r2-store.ts'

/** State shared by every request of one isolate: validated config, store, model registry, call path. */
export interface EdgeRuntime {
  config: EdgeConfig
  store: R2ModelStore
  registry: ModelRegistry
  callPath: CallPath
}

/**
 * The isolate's runtime, built on the first request from its env bindings and
 * kept for the isolate's life; {@link resetEdgeRuntime} drops it.
 */
let current: { env: Env; runtime: EdgeRuntime } | undefined

/**
 * Parses the env bindings with {@link envSchema}.
 *
 * @throws {ServiceMisconfiguredError} naming the invalid binding, never its value.
 */
export function parseConfig(env: Env): EdgeConfig {
  const parsed = envSchema.safeParse(env)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const binding = issue.path.join('.')
  logEvent('error', 'config_invalid', { binding, reason: issue.message })
  throw new ServiceMisconfiguredError(`the server configuration is invalid: binding ${binding}: ${issue.message}`)
}

/** Returns the runtime for `env`, creating it on first use or when the bindings change. */
export function edgeRuntime(env: Env): EdgeRuntime {
  if (current?.env === env) return current.runtime

  const config = parseConfig(env)
  const store = new R2ModelStore(env.MODELS)
  const registry = new ModelRegistry({
    store,
    backend: new OrtWebBackend(),
    manifestKey: config.MANIFEST_KEY,
    statusKey: STATUS_KEY,
  })
  const runtime = { config, store, registry, callPath: new CallPath(registry) }
  if (current) void current.runtime.registry.reset()
  current = { env, runtime }
  logEvent('info', 'runtime_created', {
    manifestKey: config.MANIFEST_KEY,
    apiTokenConfigured: config.API_TOKEN !== undefined,
  })
  return runtime
}

/** Releases every cached session and drops the runtime, so the next request builds a new one. Tests use it. */
export async function resetEdgeRuntime(): Promise<void> {
  const previous = current
  current = undefined
  await previous?.runtime.registry.reset()
}
