import { ErrorCode, NatsError, type MsgHdrs } from 'nats';
import { isErrorEnvelope } from '@ossa/contracts';
import { NatsConnectionService } from '../nats-connection';
import { MalformedReplyError, NoRespondersError, RemoteError, RequestTimeoutError } from './request-errors';

export interface RequestOptions {
  timeoutMs: number;
  headers?: MsgHdrs;
  /** Turns the reply's bytes into JSON bytes first (a sealed reply is opened here); a throw makes it unreadable. */
  openReply?: (data: Uint8Array, headers: MsgHdrs | undefined) => Uint8Array | Promise<Uint8Array>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The one outbound request client: a JSON body out, the parsed reply back, or a typed error — no responders,
 * timeout, a remote error envelope with its code, an unreadable reply. NATS failures are told apart by the
 * `nats` library's error codes, never by message text.
 */
export class NatsClient {
  constructor(private readonly nats: NatsConnectionService) {}

  get subjects() {
    return this.nats.subjects;
  }

  /** The largest message the server takes (its INFO's max_payload), once connected. */
  get maxPayloadBytes(): number | undefined {
    return this.nats.nc.info?.max_payload;
  }

  /** Sends `body` (encoded once by the caller for fan-out, or any JSON value) and returns the reply. */
  async request<T>(subject: string, body: unknown, options: RequestOptions): Promise<T> {
    const data = body instanceof Uint8Array ? body : encoder.encode(JSON.stringify(body ?? {}));
    let reply;
    try {
      reply = await this.nats.nc.request(subject, data, {
        timeout: options.timeoutMs,
        ...(options.headers ? { headers: options.headers } : {}),
      });
    } catch (err) {
      throw classify(err, subject, options.timeoutMs);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(
        decoder.decode(options.openReply ? await options.openReply(reply.data, reply.headers) : reply.data),
      );
    } catch (err) {
      throw new MalformedReplyError(subject, (err as Error).message);
    }
    if (isErrorEnvelope(parsed)) throw new RemoteError(subject, parsed.error);
    return parsed as T;
  }

  /** Resolves once the server has processed everything sent so far (a PING/PONG round trip). */
  flush(): Promise<void> {
    return this.nats.nc.flush();
  }

  /** Publishes a JSON body with no reply expected. */
  publish(subject: string, body: unknown): void {
    this.nats.nc.publish(subject, body instanceof Uint8Array ? body : encoder.encode(JSON.stringify(body)));
  }
}

/** A `nats` request failure as one of our typed errors; anything else (connection closed, ...) as it is. */
export function classify(err: unknown, subject: string, timeoutMs: number): unknown {
  if (!(err instanceof NatsError)) return err;
  if (err.code === ErrorCode.NoResponders) return new NoRespondersError(subject);
  if (err.code === ErrorCode.Timeout) return new RequestTimeoutError(subject, timeoutMs);
  return err;
}
