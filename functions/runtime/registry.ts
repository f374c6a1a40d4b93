import { manifestSchema, type Manifest, type ModelEntry } from '../../schemas/manifest.ts'
import { modelStatusSchema, type ModelStatus } from '../../schemas/status.ts'
import type { InferenceBackend, InferenceSession } from './backend.ts'
import { ModelUnavailableError, UnknownModelError } from './errors.ts'
import { sha256Hex } from './integrity.ts'
import { describeError, logEvent } from './log.ts'
import type { ModelStore } from './store.ts'
import { checkInputs, type TensorMap } from './tensor.ts'
import type { Timer } from './timing.ts'

/** A model that a maintenance run found broken. */
interface ModelFailure {
  checkedAtMs: number
  reason: string
}

function failuresOf(status: ModelStatus): Map<string, ModelFailure> {
  const checkedAtMs = Date.parse(status.checkedAt)
  const failures = new Map<string, ModelFailure>()
  for (const check of status.models) {
    if (!check.ok) failures.set(check.name, { checkedAtMs, reason: check.reason ?? 'failed verification' })
  }
  return failures
}

/** Settings of a {@link ModelRegistry}. */
export interface RegistryOptions {
  store: ModelStore
  backend: InferenceBackend
  /** Key of the manifest in the store. */
  manifestKey: string
  /** Sessions kept at most; the least recently used one is released beyond that. */
  maxSessions?: number
  /** How long a loaded manifest is used before it is read again, so published changes reach running isolates. */
  manifestTtlMs?: number
  /**
   * Key of the maintenance status in the store (`status/models.json`). A model
   * that the last maintenance run found broken has its older session dropped, so
   * it is served again only after a fresh, verified load. Read with the
   * manifest's TTL; absent or unset means no model is out of service.
   */
  statusKey?: string
}

/**
 * A verified model with its session. `run` checks the feeds against the manifest
 * and queues behind any run in flight, because an ONNX Runtime session rejects a
 * second `run` while one is running.
 */
export class LoadedModel {
  readonly entry: ModelEntry
  readonly #session: InferenceSession
  #queue: Promise<unknown> = Promise.resolve()

  constructor(entry: ModelEntry, session: InferenceSession) {
    this.entry = entry
    this.#session = session
  }

  /** Runs the model on `feeds`, adding the time spent to the span "model" of `timer`. */
  run(feeds: TensorMap, timer?: Timer, outputNames?: readonly string[]): Promise<TensorMap> {
    checkInputs(this.entry.inputs, feeds)
    const result = this.#queue.then(async () => {
      const started = performance.now()
      try {
        return await this.#session.run(feeds, outputNames)
      } finally {
        timer?.add('model', performance.now() - started)
      }
    })
    this.#queue = result.catch(() => undefined)
    return result
  }

  /** Waits for runs in flight, then frees the session. */
  async release(): Promise<void> {
    await this.#queue
    await this.#session.release()
  }
}

/**
 * Reads the manifest and models from a store, verifies each model's size and
 * SHA-256 before a session is created from it, and caches sessions by
 * (name, version, sha256). Failed loads are not cached, so a repaired object is
 * picked up by the next request.
 *
 * State: one manifest promise and at most `maxSessions` sessions, held for the
 * life of the isolate (or process) until {@link ModelRegistry.reset}.
 */
export class ModelRegistry {
  readonly #options: Required<Omit<RegistryOptions, 'statusKey'>> & Pick<RegistryOptions, 'statusKey'>
  #manifest: Promise<Manifest> | undefined
  #manifestLoadedAt = 0
  readonly #sessions = new Map<string, Promise<LoadedModel>>()
  /** When each cached session finished loading (ms since the epoch), by cache key. */
  readonly #loadedAt = new Map<string, number>()
  #failures: Promise<Map<string, ModelFailure>> | undefined
  #failuresLoadedAt = 0

  constructor(options: RegistryOptions) {
    this.#options = { maxSessions: 8, manifestTtlMs: 60_000, ...options }
  }

  get backend(): InferenceBackend {
    return this.#options.backend
  }

  /** Lists the models with a loaded session, as name@version, most recently used last. */
  loadedModels(): string[] {
    // The session map is kept in use order; a key without a load time is still loading.
    return [...this.#sessions.keys()].filter((key) => this.#loadedAt.has(key)).map((key) => key.split('#')[0]!)
  }

  /**
   * Loads and validates the manifest, reading it again once it is older than
   * `manifestTtlMs`. A failed load is retried on the next call; while a previous
   * manifest exists, a failed refresh keeps it rather than failing requests.
   */
  manifest(): Promise<Manifest> {
    const expired = Date.now() - this.#manifestLoadedAt > this.#options.manifestTtlMs
    if (this.#manifest && !expired) return this.#manifest

    const previous = this.#manifest
    this.#manifestLoadedAt = Date.now()
    this.#manifest = this.#loadManifest().catch((error: unknown) => {
      if (previous) {
        this.#manifest = previous
        return previous
      }
      this.#manifest = undefined
      throw error
    })
    return this.#manifest
  }

  /** Makes the next {@link ModelRegistry.manifest} call read the manifest again. */
  expireManifest(): void {
    this.#manifestLoadedAt = 0
    this.#failuresLoadedAt = 0
  }

  /**
   * Reads model `name` from the store and checks its size and SHA-256, even when
   * a verified session is cached; maintenance runs use it.
   *
   * @throws {ModelUnavailableError} naming what is wrong with the stored object.
   */
  async verify(name: string): Promise<void> {
    await this.#readVerified(await this.entry(name))
  }

  /**
   * Records the models that a maintenance run found broken in this isolate at
   * once, without waiting for the status object to be read again.
   */
  recordStatus(status: ModelStatus): void {
    this.#failures = Promise.resolve(failuresOf(status))
    this.#failuresLoadedAt = Date.now()
  }

  /**
   * Looks up a model in the manifest.
   *
   * @throws {UnknownModelError} when no model has that name.
   */
  async entry(name: string): Promise<ModelEntry> {
    const manifest = await this.manifest()
    const entry = manifest.models.find((model) => model.name === name)
    if (!entry) {
      const names = manifest.models.map((model) => `"${model.name}"`).join(', ')
      throw new UnknownModelError(`no model named "${name}" in the manifest`, {
        field: 'model',
        accepted: names || 'none: the manifest lists no models',
      })
    }
    return entry
  }

  /**
   * Returns the verified, cached model `name`, loading it on first use. Load
   * steps are added to `timer` as "r2-read", "sha256", "runtime-init" (the
   * runtime's one-time setup, near 0 after the first load) and "session".
   *
   * @throws {UnknownModelError} for a name that the manifest does not list.
   * @throws {ModelUnavailableError} when the object is missing, fails its
   *   integrity check, or the runtime rejects it.
   */
  async acquire(name: string, timer?: Timer): Promise<LoadedModel> {
    const entry = await this.entry(name)
    const cacheKey = `${entry.name}@${entry.version}#${entry.sha256}`

    const failure = (await this.#currentFailures()).get(entry.name)
    // Read the cache only after the last await, so concurrent calls share one load.
    let loading = this.#sessions.get(cacheKey)
    if (loading && failure && failure.checkedAtMs > (this.#loadedAt.get(cacheKey) ?? Infinity)) {
      // Maintenance found the stored model broken after this session was loaded:
      // stop serving it, and load (and verify) afresh.
      this.#sessions.delete(cacheKey)
      this.#loadedAt.delete(cacheKey)
      logEvent('warn', 'model_out_of_service', { model: entry.name, reason: failure.reason })
      loading.then((model) => model.release()).catch(() => undefined)
      loading = undefined
    }
    if (loading) {
      // Re-insert to mark the entry as most recently used.
      this.#sessions.delete(cacheKey)
      this.#sessions.set(cacheKey, loading)
      return loading
    }

    loading = this.#load(entry, timer)
    this.#sessions.set(cacheKey, loading)
    loading.then(
      () => this.#loadedAt.set(cacheKey, Date.now()),
      () => this.#sessions.delete(cacheKey),
    )
    this.#evictBeyondLimit()
    return loading
  }

  /** Releases every session and drops the cached manifest. Tests and maintenance use it. */
  async reset(): Promise<void> {
    const loaded = [...this.#sessions.values()]
    this.#sessions.clear()
    this.#loadedAt.clear()
    this.#manifest = undefined
    this.#failures = undefined
    const settled = await Promise.allSettled(loaded)
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') await outcome.value.release()
    }
  }

  async #loadManifest(): Promise<Manifest> {
    const { store, manifestKey } = this.#options
    let object
    try {
      object = await store.get(manifestKey)
    } catch (error) {
      logEvent('error', 'manifest_read_failed', { store: store.name, key: manifestKey, error: describeError(error) })
      throw new ModelUnavailableError(`reading the model manifest "${manifestKey}" failed`, { cause: error })
    }
    if (!object) {
      logEvent('error', 'manifest_missing', { store: store.name, key: manifestKey })
      throw new ModelUnavailableError(`the model manifest "${manifestKey}" is missing from the model store`)
    }

    let json: unknown
    try {
      json = JSON.parse(new TextDecoder().decode(object.bytes))
    } catch (error) {
      logEvent('error', 'manifest_invalid', { key: manifestKey, error: describeError(error) })
      throw new ModelUnavailableError(`the model manifest "${manifestKey}" is not valid JSON`, { cause: error })
    }
    const parsed = manifestSchema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.join('.') ?? ''
      logEvent('error', 'manifest_invalid', { key: manifestKey, field: where, error: issue?.message })
      throw new ModelUnavailableError(`the model manifest "${manifestKey}" is invalid at "${where}": ${issue?.message}`)
    }
    return parsed.data
  }

  /** Reads the maintenance status (TTL-cached) and returns the broken models by name. */
  #currentFailures(): Promise<Map<string, ModelFailure>> {
    const { store, statusKey, manifestTtlMs } = this.#options
    if (!statusKey) return Promise.resolve(new Map())
    if (this.#failures && Date.now() - this.#failuresLoadedAt <= manifestTtlMs) return this.#failures

    this.#failuresLoadedAt = Date.now()
    this.#failures = store.get(statusKey).then(
      (object) => {
        if (!object) return new Map<string, ModelFailure>()
        const parsed = modelStatusSchema.safeParse(JSON.parse(new TextDecoder().decode(object.bytes)))
        if (!parsed.success) {
          logEvent('warn', 'status_invalid', { key: statusKey, error: parsed.error.issues[0]?.message })
          return new Map<string, ModelFailure>()
        }
        return failuresOf(parsed.data)
      },
      (error: unknown) => {
        logEvent('warn', 'status_read_failed', { key: statusKey, error: describeError(error) })
        return new Map<string, ModelFailure>()
      },
    )
    return this.#failures
  }

  /** Reads a model's object and checks its size and SHA-256, returning the verified bytes. */
  async #readVerified(entry: ModelEntry, timer?: Timer): Promise<Uint8Array> {
    const { store } = this.#options
    const ids = { model: entry.name, version: entry.version, key: entry.key }

    const read = performance.now()
    let object
    try {
      object = await store.get(entry.key)
    } catch (error) {
      logEvent('error', 'model_read_failed', { ...ids, store: store.name, error: describeError(error) })
      throw new ModelUnavailableError(`reading model "${entry.name}" from the model store failed`, { cause: error })
    }
    timer?.add('r2-read', performance.now() - read)
    if (!object) {
      logEvent('error', 'model_missing', { ...ids, store: store.name })
      throw new ModelUnavailableError(`model "${entry.name}" is missing from the model store (key "${entry.key}")`)
    }

    const hashing = performance.now()
    const sha256 = object.bytes.byteLength === entry.sizeBytes ? await sha256Hex(object.bytes) : undefined
    timer?.add('sha256', performance.now() - hashing)
    if (sha256 !== entry.sha256) {
      logEvent('error', 'model_integrity_failed', {
        ...ids,
        expectedSizeBytes: entry.sizeBytes,
        actualSizeBytes: object.bytes.byteLength,
        expectedSha256: entry.sha256,
        actualSha256: sha256 ?? null,
      })
      throw new ModelUnavailableError(
        `model "${entry.name}" failed its integrity check: the stored object does not match the manifest's size and SHA-256`,
      )
    }
    return object.bytes
  }

  async #load(entry: ModelEntry, timer?: Timer): Promise<LoadedModel> {
    const { backend } = this.#options
    const ids = { model: entry.name, version: entry.version, key: entry.key }
    const started = performance.now()
    const bytes = await this.#readVerified(entry, timer)

    // The runtime's one-time setup is CPU-bound, so it would gain nothing from overlapping the read.
    let session: InferenceSession
    const initializing = performance.now()
    try {
      await backend.initialize()
      timer?.add('runtime-init', performance.now() - initializing)
      const creating = performance.now()
      session = await backend.createSession(bytes)
      timer?.add('session', performance.now() - creating)
    } catch (error) {
      logEvent('error', 'session_create_failed', { ...ids, backend: backend.name, error: describeError(error) })
      throw new ModelUnavailableError(`the runtime could not load model "${entry.name}"`, { cause: error })
    }

    logEvent('info', 'model_loaded', {
      ...ids,
      sha256: entry.sha256,
      sizeBytes: entry.sizeBytes,
      backend: backend.name,
      executionProvider: backend.executionProvider,
      durationMs: Math.round(performance.now() - started),
    })
    return new LoadedModel(entry, session)
  }

  #evictBeyondLimit(): void {
    while (this.#sessions.size > this.#options.maxSessions) {
      const [oldestKey, oldest] = this.#sessions.entries().next().value!
      this.#sessions.delete(oldestKey)
      oldest.then((model) => model.release()).catch(() => undefined)
    }
  }
}
