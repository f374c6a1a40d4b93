import type { RequestIdVariables } from 'hono/request-id'
import type { EdgeRuntime } from '../edge/runtime.ts'

/** Hono environment of the app: Worker bindings and per-request variables. */
export interface AppEnv {
  Bindings: Env
  Variables: RequestIdVariables & {
    runtime: EdgeRuntime
  }
}
