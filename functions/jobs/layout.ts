/**
 * Object keys of a batch job in its bucket, shared by the Worker and the Node
 * runner so that either can read what the other wrote:
 *
 * - `jobs/{id}/job.json`: metadata (`jobMetaSchema`)
 * - `jobs/{id}/input.jsonl`: the uploaded lines, blank lines removed
 * - `jobs/{id}/results/{chunk}.jsonl`: results of one chunk, one entry per line
 *   in input order; chunk numbers are zero-padded to 6 digits so keys sort in order
 */
export const JOBS_PREFIX = 'jobs/'

export function jobMetaKey(id: string): string {
  return `${JOBS_PREFIX}${id}/job.json`
}

export function jobInputKey(id: string): string {
  return `${JOBS_PREFIX}${id}/input.jsonl`
}

export function jobResultsPrefix(id: string): string {
  return `${JOBS_PREFIX}${id}/results/`
}

export function jobChunkResultKey(id: string, chunk: number): string {
  return `${jobResultsPrefix(id)}${String(chunk).padStart(6, '0')}.jsonl`
}

/** Lines per chunk: one queue message runs one chunk. */
export const DEFAULT_CHUNK_SIZE = 16
