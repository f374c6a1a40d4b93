import { manifestSchema, type Manifest, type ModelEntry } from '../../schemas/manifest.ts'
import type { InferenceBackend, InferenceSession } from './backend.ts'
import { ModelUnavailableError, UnknownModelError } from './errors.ts'
import { sha256Hex } from './integrity.ts'
import { describeError, logEvent } from './log.ts'
import type { ModelStore } from './store.ts'
import { checkInputs, type TensorMap } from './tensor.ts'
import type { Timer } from './timing.ts'

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
  readonly #options: Required<RegistryOptions>
  #manifest: Promise<Manifest> | undefined
  #manifestLoadedAt = 0
  readonly #sessions = new Map<string, Promise<LoadedModel>>()

  constructor(options: RegistryOptions) {
    this.#options = { maxSessions: 8, manifestTtlMs: 60_000, ...options }
  }

  get backend(): InferenceBackend {
    return this.#options.backend
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
   * steps are added to `timer` as "r2-read", "sha256" and "session".
   *
   * @throws {UnknownModelError} for a name that the manifest does not list.
   * @throws {ModelUnavailableError} when the object is missing, fails its
   *   integrity check, or the runtime rejects it.
   */
  async acquire(name: string, timer?: Timer): Promise<LoadedModel> {
    const entry = await this.entry(name)
    const cacheKey = `${entry.name}@${entry.version}#${entry.sha256}`

    let loading = this.#sessions.get(cacheKey)
    if (loading) {
      // Re-insert to mark the entry as most recently used.
      this.#sessions.delete(cacheKey)
      this.#sessions.set(cacheKey, loading)
      return loading
    }

    loading = this.#load(entry, timer)
    this.#sessions.set(cacheKey, loading)
    loading.catch(() => this.#sessions.delete(cacheKey))
    this.#evictBeyondLimit()
    return loading
  }

  /** Releases every session and drops the cached manifest. Tests and maintenance use it. */
  async reset(): Promise<void> {
    const loaded = [...this.#sessions.values()]
    this.#sessions.clear()
    this.#manifest = undefined
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

  async #load(entry: ModelEntry, timer?: Timer): Promise<LoadedModel> {
    const { store, backend } = this.#options
    const ids = { model: entry.name, version: entry.version, key: entry.key }
    const started = performance.now()

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

    const creating = performance.now()
    let session: InferenceSession
    try {
      session = await backend.createSession(object.bytes)
    } catch (error) {
      logEvent('error', 'session_create_failed', { ...ids, backend: backend.name, error: describeError(error) })
      throw new ModelUnavailableError(`the runtime could not load model "${entry.name}"`, { cause: error })
    }
    timer?.add('session', performance.now() - creating)

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
