/**
 * One error class per failure kind. The HTTP layer maps each to a problem response
 * (RFC 9457) in one place; the batch runner prints them. Every message names the
 * bad value and what is accepted.
 */

/** Base class: `status` is the HTTP status the failure maps to. */
export abstract class EdgeError extends Error {
  abstract readonly status: number
  /** Short, stable problem title. */
  abstract readonly title: string
  /** Path of the offending field in the request, when there is one. */
  readonly field?: string
  /** Values or forms that the field accepts, for the client to correct the request. */
  readonly accepted?: string

  constructor(message: string, options: { field?: string; accepted?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.field = options.field
    this.accepted = options.accepted
  }
}

/** One invalid field of a request, as listed in a problem response. */
export interface InvalidParam {
  name: string
  reason: string
}

/** The request body or a parameter is invalid (400). */
export class InvalidInputError extends EdgeError {
  readonly status = 400
  readonly title = 'Invalid request'
  readonly invalidParams: InvalidParam[]

  constructor(
    message: string,
    options: { field?: string; accepted?: string; invalidParams?: InvalidParam[]; cause?: unknown } = {},
  ) {
    super(message, options)
    this.invalidParams = options.invalidParams ?? (options.field ? [{ name: options.field, reason: message }] : [])
  }
}

/** An input tensor does not match the model's declared datatype or shape (400). */
export class TensorMismatchError extends InvalidInputError {}

/** The model name is not in the manifest (404). */
export class UnknownModelError extends EdgeError {
  readonly status = 404
  readonly title = 'Model not found'
}

/** The body's media type or audio encoding is not supported (415). */
export class UnsupportedMediaTypeError extends EdgeError {
  readonly status = 415
  readonly title = 'Unsupported media type'
}

/** The request body is larger than the configured limit (413). */
export class PayloadTooLargeError extends EdgeError {
  readonly status = 413
  readonly title = 'Payload too large'
}

/** Authorization is missing or wrong (401). */
export class UnauthorizedError extends EdgeError {
  readonly status = 401
  readonly title = 'Unauthorized'
}

/**
 * The model cannot be served now (503): the manifest or the model object is
 * missing, fails its integrity check, or the runtime cannot create a session.
 */
export class ModelUnavailableError extends EdgeError {
  readonly status = 503
  readonly title = 'Model unavailable'
}

/** The service is misconfigured, for example a missing secret (503). */
export class ServiceMisconfiguredError extends EdgeError {
  readonly status = 503
  readonly title = 'Service unavailable'
}

/** No route matches the request path (404). */
export class UnknownRouteError extends EdgeError {
  readonly status = 404
  readonly title = 'Not found'
}

/** No stored resource, such as a batch job, has the requested id (404). */
export class NotFoundError extends EdgeError {
  readonly status = 404
  readonly title = 'Not found'
}

/** The resource is not in a state that allows the request yet, such as an unfinished job (409). */
export class ConflictError extends EdgeError {
  readonly status = 409
  readonly title = 'Conflict'
}
