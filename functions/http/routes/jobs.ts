import { Hono } from 'hono'
import { z } from 'zod'
import { createJob, dispatchPendingJobs, jobResultsStream, jobStatus } from '../../edge/jobs.ts'
import { describeError, logEvent } from '../../runtime/log.ts'
import { readQuery, requireMediaType } from '../body.ts'
import type { AppEnv } from '../context.ts'

/** Media types accepted for a JSONL job body. */
export const JSONL_MEDIA_TYPES = ['application/jsonl', 'application/x-ndjson']

/** Query string of `POST /v1/jobs`. */
export const createJobQuerySchema = z.strictObject({
  runner: z.enum(['edge', 'gpu']).default('edge').describe('"gpu" leaves the job in R2 for the Node batch runner'),
})

/** Batch jobs: `POST /v1/jobs`, `GET /v1/jobs/{id}`, `GET /v1/jobs/{id}/results`. */
export const jobsRoutes = new Hono<AppEnv>()

jobsRoutes.post('/', async (c) => {
  requireMediaType(c, JSONL_MEDIA_TYPES)
  const { runner } = readQuery(c, createJobQuerySchema)
  const bucket = c.env.MODELS

  // Decoded by hand: workerd warns when .text() reads a body whose Content-Type is not text/*.
  const meta = await createJob(bucket, new TextDecoder().decode(await c.req.arrayBuffer()), runner)

  // Fan out now rather than at the next dispatch cron; the cron catches any miss.
  if (runner === 'edge') {
    c.executionCtx.waitUntil(
      dispatchPendingJobs(bucket, c.env.JOBS_QUEUE).catch((error: unknown) => {
        logEvent('error', 'job_dispatch_failed', { jobId: meta.id, error: describeError(error) })
      }),
    )
  }
  c.header('Location', `/v1/jobs/${meta.id}`)
  return c.json({ ...meta, chunksDone: 0, linesDone: 0 }, 202)
})

jobsRoutes.get('/:id', async (c) => c.json(await jobStatus(c.env.MODELS, c.req.param('id'))))

jobsRoutes.get('/:id/results', async (c) => {
  const stream = await jobResultsStream(c.env.MODELS, c.req.param('id'))
  return c.body(stream, 200, { 'Content-Type': 'application/jsonl' })
})
