import { z } from 'zod'

const positiveIntegerString = (fallback: number) => z.coerce.number().int().positive().default(fallback)

/**
 * Worker configuration read from env bindings. Vars arrive as strings, so numbers
 * are coerced. `API_TOKEN` is optional here because a missing secret must not stop
 * health checks: inference routes reject requests while it is absent.
 */
export const envSchema = z.object({
  API_TOKEN: z.string().min(1).optional(),
  MAX_BODY_BYTES: positiveIntegerString(16 * 1024 * 1024),
  MAX_AUDIO_SECONDS: positiveIntegerString(600),
  MAX_IMAGE_PIXELS: positiveIntegerString(12_000_000),
  MANIFEST_KEY: z.string().min(1).default('manifest.json'),
})

export type EdgeConfig = z.infer<typeof envSchema>
