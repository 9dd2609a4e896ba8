import type { ErrorBody, ErrorCode, ErrorDetail } from '@ossa/contracts';

/** Nobody subscribes to the subject (NATS answered 503 at once). */
export class NoRespondersError extends Error {
  constructor(readonly subject: string) {
    super(`no responders on ${subject}`);
    this.name = 'NoRespondersError';
  }
}

/** No reply within the timeout. */
export class RequestTimeoutError extends Error {
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply on ${subject} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** The other side answered with an error envelope. */
export class RemoteError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];

  constructor(
    readonly subject: string,
    error: ErrorBody,
  ) {
    super(error.message);
    this.name = 'RemoteError';
    this.code = error.code;
    this.details = error.details ?? [];
  }
}

/** The reply was not JSON, or not of the shape the caller needs. */
export class MalformedReplyError extends Error {
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super(`unreadable reply on ${subject}: ${reason}`);
    this.name = 'MalformedReplyError';
  }
}

export type RequestError = NoRespondersError | RequestTimeoutError | RemoteError | MalformedReplyError;
