/** An object read from a model store. */
export interface StoredObject {
  bytes: Uint8Array
  sizeBytes: number
}

/**
 * Storage of models and the manifest: an R2 bucket in the Worker, local files or
 * an S3-compatible bucket in the batch runner.
 */
export interface ModelStore {
  /** Short name for logs, such as "r2". */
  readonly name: string
  /** Reads a whole object, or returns null when no object has that key. */
  get(key: string): Promise<StoredObject | null>
}

/** A store that can also write objects, such as maintenance status and job results. */
export interface ObjectStore extends ModelStore {
  /** Writes (or replaces) the object at `key`. */
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>
}
