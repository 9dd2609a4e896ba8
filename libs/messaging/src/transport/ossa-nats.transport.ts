import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { Msg, Subscription } from 'nats';
import { decodeJsonObject, isErrorEnvelope, OssaError, type ServiceName } from '@ossa/contracts';
import { MetricsRegistry, type Logger } from '@ossa/observability';
import { callerOf, callerScopedPattern } from '../caller';
import { DurableConsumer, type ConsumedMessage } from '../durable-consumer';
import { NatsConnectionService } from '../nats-connection';
import { MalformedPayload } from './malformed-payload';
import { NatsContext } from './nats-context';
import type { ConsumerSettings, HandlerExtras, OssaPattern } from './patterns';

export interface OssaTransportOptions {
  connection: NatsConnectionService;
  service: ServiceName;
  /** Values for the `{token}`s patterns leave open, e.g. `{ replicaId: 'r1' }`. */
  tokens?: Readonly<Record<string, string>>;
  /** Largest JSON request body accepted, in bytes. */
  maxPayloadBytes: number;
  logger: Logger;
  metrics: MetricsRegistry;
  /** Run-time settings of durable consumers, by durable name; they win over the handler's extras. */
  consumerSettings?: Readonly<Record<string, ConsumerSettings>>;
}

interface Route {
  pattern: OssaPattern;
  subject: string;
  handler: MessageHandler;
  extras: HandlerExtras;
}

const encoder = new TextEncoder();

/**
 * The one transport of every OSSA service: NestJS handlers served over the service's single NATS connection.
 * Plain JSON bodies from any NATS client (no Nest packet envelope), subjects under the runtime prefix, a queue
 * group per service (none for subjects that name one instance), the payload limit, JetStream durable
 * consumers for `onStream()` handlers; started only once the server knows every subscription; on close it
 * stops receiving, finishes what is in flight, and leaves the connection to be drained last. It also takes
 * the request metrics (requests by subject and outcome, duration, in flight) around the pipeline.
 */
export class OssaNatsTransport extends Server implements CustomTransportStrategy {
  private readonly subscriptions: Subscription[] = [];
  private readonly consumers: DurableConsumer[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private routes: Route[] = [];

  constructor(private readonly options: OssaTransportOptions) {
    super();
  }

  /** Subjects this instance answers or consumes, once listening. */
  get subjects(): string[] {
    return this.routes.map((r) => r.subject);
  }

  on(): never {
    throw new Error('OssaNatsTransport has no events to listen to; use NatsConnectionService.onReconnect');
  }

  unwrap<T>(): T {
    return this.options.connection.nc as T;
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (err) {
      callback(err);
    }
  }

  async close(): Promise<void> {
    // Stop receiving (what was delivered is still handled), then wait for every reply to go out.
    await Promise.allSettled(this.subscriptions.map((s) => (s.isClosed() ? Promise.resolve() : s.drain())));
    await Promise.allSettled(this.consumers.map((c) => c.stop()));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.subscriptions.length = 0;
    this.consumers.length = 0;
  }

  private async start(): Promise<void> {
    const { connection, service, logger } = this.options;
    const tokens = { service, ...this.options.tokens };
    this.routes = [...this.messageHandlers].map(([key, handler]) => {
      const pattern = JSON.parse(key) as OssaPattern;
      const relative = pattern.subject.replace(/\{([a-zA-Z]+)\}/g, (_whole, name: string) => {
        if (!(name in tokens)) throw new Error(`pattern ${pattern.subject} needs a value for {${name}}`);
        return tokens[name as keyof typeof tokens]!;
      });
      return {
        pattern,
        subject: `${connection.subjects.prefix}.${relative}`,
        handler,
        extras: (handler.extras ?? {}) as HandlerExtras,
      };
    });
    const queue = connection.subjects.queueGroup(service);
    for (const route of this.routes) {
      if (route.pattern.durable) {
        this.consumers.push(await this.startConsumer(route));
        continue;
      }
      // A service subject is also answered in its caller-scoped form, where the server has proven who asks.
      const scoped = route.pattern.queue
        ? callerScopedPattern(connection.subjects.prefix, route.subject)
        : undefined;
      for (const subject of scoped ? [route.subject, scoped] : [route.subject]) {
        const sub = connection.nc.subscribe(subject, {
          ...(route.pattern.queue ? { queue } : {}),
          callback: (err, msg) => {
            if (err) logger.error({ err, subject }, 'subscription error');
            else this.track(this.handleMessage(route, msg));
          },
        });
        this.subscriptions.push(sub);
      }
    }
    // The server knows the subscriptions once this round trip returns: only then is the service "started".
    await connection.nc.flush();
    logger.debug({ subjects: this.subjects, queue }, 'handlers subscribed');
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private decode(route: Route, data: Uint8Array): unknown {
    if (route.extras.payload === 'bytes') return data;
    try {
      return decodeJsonObject(data, { maxPayloadBytes: this.options.maxPayloadBytes });
    } catch (err) {
      if (err instanceof OssaError) return new MalformedPayload(err);
      throw err;
    }
  }

  /**
   * A core NATS message: through the pipeline, then the reply (the result or the error envelope) if asked
   * for. The request metrics are taken here, around the whole pipeline, by subject and outcome.
   */
  private async handleMessage(route: Route, msg: Msg): Promise<void> {
    const { metrics, logger } = this.options;
    const caller = callerOf(this.options.connection.subjects.prefix, msg.subject);
    const context = new NatsContext([msg.subject, msg.headers, Date.now(), undefined, caller]);
    if (msg.reply) logger.debug({ subject: route.subject }, 'request received');
    const labels = { subject: route.subject };
    const stopTimer = metrics.requestDuration.startTimer(labels);
    metrics.inFlight.inc(labels);
    let reply: unknown;
    let outcome = 'ok';
    try {
      reply = await settle(await route.handler(this.decode(route, msg.data), context));
      if (isErrorEnvelope(reply)) outcome = reply.error.code;
    } catch (err) {
      // The exception filter turns every request error into an envelope; an error here escaped it (an event).
      outcome = err instanceof OssaError ? err.code : 'INTERNAL';
      if (msg.reply) {
        logger.error({ err, subject: route.subject }, 'request failed outside the pipeline');
        reply = new OssaError('INTERNAL', `Internal error while handling ${route.subject}`).toEnvelope();
      } else {
        logger.warn({ err, subject: route.subject }, 'message handler failed');
      }
    } finally {
      metrics.inFlight.dec(labels);
      metrics.requests.inc({ subject: route.subject, outcome });
      stopTimer();
    }
    if (!msg.reply) return;
    try {
      msg.respond(encoder.encode(JSON.stringify(reply ?? null)));
    } catch (err) {
      // Most often a reply larger than max_payload: the caller still gets an answer instead of a timeout.
      this.options.logger.error({ err, subject: route.subject }, 'could not send reply');
      try {
        msg.respond(encoder.encode(JSON.stringify(new OssaError('INTERNAL', `The reply to ${route.subject} could not be sent: ${(err as Error)?.message ?? err}`.slice(0, 300)).toEnvelope())));
      } catch {
        // The connection is gone: nothing more can be sent.
      }
    }
  }

  private async startConsumer(route: Route): Promise<DurableConsumer> {
    const { connection, logger, metrics } = this.options;
    const durable = route.pattern.durable!;
    const settings = { ...route.extras.consumer, ...this.options.consumerSettings?.[durable] };
    const stream = streamOf(connection, route.pattern.channel);
    const consumer = new DurableConsumer(connection, {
      stream,
      durable,
      filterSubject: route.subject,
      ...settings,
      logger,
      metrics,
      handler: (m) => this.handleStreamMessage(route, m),
    });
    await consumer.start();
    return consumer;
  }

  /** A JetStream message: a handler error rejects, and the consumer naks, retries or dead-letters it. */
  private async handleStreamMessage(route: Route, m: ConsumedMessage): Promise<void> {
    const delivery = {
      deliveryCount: m.deliveryCount,
      streamSequence: m.streamSequence,
      working: () => m.working(),
    };
    // A stream subject in caller-scoped form (`<prefix>.as.client.<id>.tasks.submit`) proves its publisher too.
    const caller = callerOf(this.options.connection.subjects.prefix, m.subject);
    const context = new NatsContext([m.subject, m.headers, Date.now(), delivery, caller]);
    await settle(await route.handler(this.decode(route, m.data), context));
  }
}

/** A handler's outcome: its value, or the last value of the Observable it (or the exception filter) returned. */
function settle(result: unknown): unknown {
  return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
}

function streamOf(connection: NatsConnectionService, channel: OssaPattern['channel']): string {
  const { streams } = connection.subjects;
  const address = connection.subjects.channel(channel, {}).slice(connection.subjects.prefix.length + 1);
  if (address.startsWith('tasks.') || channel === 'tasksSubmitAs') return streams.tasks;
  if (address.startsWith('events.')) return streams.events;
  if (address.startsWith('dlq.')) return streams.deadLetters;
  throw new Error(`no stream holds ${address}`);
}
