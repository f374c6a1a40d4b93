import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ModelStore, StoredObject } from '../../functions/runtime/store.ts'

/**
 * Model store over a local folder laid out like the bucket: each object at its
 * key under `root`, except that a manifest entry's `file` maps its key to a file
 * name under models/.
 */
export class FileModelStore implements ModelStore {
  readonly name = 'file'
  readonly #root: string
  readonly #files: Map<string, string>

  /** `files` maps object keys to paths, for keys that are not paths under `root`. */
  constructor(root: string, files: Map<string, string> = new Map()) {
    this.#root = root
    this.#files = files
  }

  async get(key: string): Promise<StoredObject | null> {
    try {
      const bytes = new Uint8Array(await readFile(this.#files.get(key) ?? join(this.#root, key)))
      return { bytes, sizeBytes: bytes.byteLength }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }
}
