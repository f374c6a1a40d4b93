import type { ObjectStore, StoredObject } from '../runtime/store.ts'

/** Model and object store over an R2 bucket binding. */
export class R2ModelStore implements ObjectStore {
  readonly name = 'r2'
  readonly #bucket: R2Bucket

  constructor(bucket: R2Bucket) {
    this.#bucket = bucket
  }

  async get(key: string): Promise<StoredObject | null> {
    const object = await this.#bucket.get(key)
    if (!object) return null
    const bytes = new Uint8Array(await object.arrayBuffer())
    return { bytes, sizeBytes: object.size }
  }

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    await this.#bucket.put(key, body, { httpMetadata: { contentType } })
  }
}
