import { app } from './app.ts'

/** Worker entry: HTTPS requests go to the Hono app. */
export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>
