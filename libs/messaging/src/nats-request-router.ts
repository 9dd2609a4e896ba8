import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { Msg, Subscription } from 'nats';
import { decodeJsonObject, OssaError, validateDto, type ErrorEnvelope } from '@ossa/contracts';
import { MetricsRegistry, type Logger } from '@ossa/observability';
import { NatsConnectionService } from './nats-connection';
import { NATS_HANDLER_METADATA, type NatsHandlerMetadata, type RequestContext } from './nats-handler.decorator';
import { SERVICE_IDENTITY, type ServiceIdentity } from './tokens';
import { LOGGER } from './logger.token';

type BoundHandler = (body: unknown, context: RequestContext) => unknown;

interface Route {
  subject: string;
  meta: NatsHandlerMetadata;
  handler: BoundHandler;
}

const encoder = new TextEncoder();

/**
 * Finds every @NatsHandler method, subscribes it in the service's queue group, validates each request,
 * answers with the result or the error envelope, and on shutdown stops taking requests and waits for the
 * ones in flight.
 */
@Injectable()
export class NatsRequestRouter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private routes: Route[] = [];

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(NatsConnectionService) private readonly nats: NatsConnectionService,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Subjects this service answers, once started. */
  get subjects(): string[] {
    return this.routes.map((r) => r.subject);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.routes = this.discoverRoutes();
    const queue = this.nats.subjects.queueGroup(this.identity.service);
    for (const route of this.routes) {
      const sub = this.nats.nc.subscribe(route.subject, {
        queue,
        callback: (err, msg) => {
          if (err) {
            this.logger.error({ err, subject: route.subject }, 'subscription error');
            return;
          }
          this.track(this.handle(route, msg));
        },
      });
      this.subscriptions.push(sub);
    }
    // The server knows the subscriptions once this round trip returns: only then is the service "started".
    await this.nats.nc.flush();
    this.logger.debug({ subjects: this.subjects, queue }, 'request handlers subscribed');
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Stop receiving (messages already delivered are still handled), then wait for every reply to go out.
    await Promise.allSettled(this.subscriptions.map((s) => (s.isClosed() ? Promise.resolve() : s.drain())));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private discoverRoutes(): Route[] {
    const routes: Route[] = [];
    const seen = new Set<string>();
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name] as (...args: unknown[]) => unknown;
        const meta = this.reflector.get<NatsHandlerMetadata | undefined>(NATS_HANDLER_METADATA, method);
        if (!meta) continue;
        const subject = meta.subject(this.nats.subjects, this.identity.service);
        if (seen.has(subject)) throw new Error(`two handlers for subject ${subject}`);
        seen.add(subject);
        routes.push({ subject, meta, handler: method.bind(instance) as BoundHandler });
      }
    }
    return routes;
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async handle(route: Route, msg: Msg): Promise<void> {
    const receivedAt = Date.now();
    const stopTimer = this.metrics.requestDuration.startTimer({ subject: route.subject });
    this.metrics.inFlight.inc({ subject: route.subject });
    this.logger.debug({ subject: route.subject }, 'request received');
    let reply: unknown;
    let outcome = 'ok';
    try {
      const plain = decodeJsonObject(msg.data, { maxPayloadBytes: this.identity.maxPayloadBytes });
      const body = route.meta.dto ? validateDto(route.meta.dto, plain) : plain;
      reply = await route.handler(body, { subject: msg.subject, headers: msg.headers, receivedAt });
    } catch (err) {
      const envelope = this.toEnvelope(err, route.subject);
      outcome = envelope.error.code;
      reply = envelope;
    } finally {
      this.metrics.inFlight.dec({ subject: route.subject });
    }
    this.metrics.requests.inc({ subject: route.subject, outcome });
    stopTimer();
    if (!msg.reply) return;
    try {
      msg.respond(encoder.encode(JSON.stringify(reply ?? null)));
    } catch (err) {
      this.logger.warn({ err, subject: route.subject }, 'could not send reply');
    }
  }

  private toEnvelope(err: unknown, subject: string): ErrorEnvelope {
    if (err instanceof OssaError) return err.toEnvelope();
    this.logger.error({ err, subject }, 'request handler failed');
    return new OssaError('INTERNAL', `Internal error while handling ${subject}`).toEnvelope();
  }
}
