import { EdgeError } from './errors.ts'
import { describeError, logEvent } from './log.ts'
import type { LoadedModel, ModelRegistry } from './registry.ts'
import { Timer } from './timing.ts'

/** Context a function receives besides its input. */
export interface FunctionContext {
  /**
   * Resolves the function's verified model, loading it on first use. Pipelines
   * call it after decoding their input, so a malformed input is rejected before
   * any model is read. A pipeline whose model depends on the decoded input (such
   * as the sample rate) names it; the call's logs then show that name.
   */
  model(name?: string): Promise<LoadedModel>
  timer: Timer
}

/**
 * An edge function: a typed input, a model from the manifest, and the pipeline
 * that turns one into a typed output. Pipelines run the model only through
 * `context.model`, never a raw session.
 */
export interface EdgeFunction<I, O> {
  /** Name in logs and metrics, such as "vad". */
  readonly name: string
  /** Manifest name of the model, or a function of the input for generic functions. */
  readonly model: string | ((input: I) => string)
  run(input: I, context: FunctionContext): Promise<O>
}

/** Identity of one call, for logs. */
export interface CallInfo {
  functionName: string
  modelName: string
  requestId: string
}

/**
 * Observes or limits calls. `start` may throw an {@link EdgeError} to reject a call
 * before its model is loaded.
 */
export interface CallHook {
  start?(call: CallInfo): void
  end?(call: CallInfo, timer: Timer): void
  fail?(call: CallInfo, error: unknown, timer: Timer): void
}

/** Output of a call with the timer that measured it. */
export interface CallResult<O> {
  output: O
  timer: Timer
}

/** Logs one structured line per finished or failed call, with the duration of each span. */
export const loggingHook: CallHook = {
  end(call, timer) {
    logEvent('info', 'call_finished', { ...call, ...timingFields(timer) })
  },
  fail(call, error, timer) {
    const status = error instanceof EdgeError ? error.status : 500
    logEvent(status >= 500 ? 'error' : 'warn', 'call_failed', {
      ...call,
      status,
      error: describeError(error),
      ...timingFields(timer),
    })
  },
}

function timingFields(timer: Timer): Record<string, number> {
  return Object.fromEntries(timer.entries().map(([name, durationMs]) => [`${name}Ms`, Number(durationMs.toFixed(3))]))
}

/**
 * The single path by which HTTP routes, cron triggers and batch jobs run a
 * function: resolve and verify the model, run the pipeline, apply every hook.
 */
export class CallPath {
  readonly #registry: ModelRegistry
  readonly #hooks: readonly CallHook[]

  constructor(registry: ModelRegistry, hooks: readonly CallHook[] = [loggingHook]) {
    this.#registry = registry
    this.#hooks = hooks
  }

  /** Runs `fn` on `input`; errors propagate after the hooks have seen them. */
  async call<I, O>(fn: EdgeFunction<I, O>, input: I, requestId: string, timer = new Timer()): Promise<CallResult<O>> {
    const modelName = typeof fn.model === 'string' ? fn.model : fn.model(input)
    const info: CallInfo = { functionName: fn.name, modelName, requestId }

    try {
      for (const hook of this.#hooks) hook.start?.(info)
      const model = (name = modelName) => {
        info.modelName = name
        return timer.measure('load', () => this.#registry.acquire(name, timer))
      }
      const output = await fn.run(input, { model, timer })
      for (const hook of this.#hooks) hook.end?.(info, timer)
      return { output, timer }
    } catch (error) {
      for (const hook of this.#hooks) hook.fail?.(info, error, timer)
      throw error
    }
  }
}
