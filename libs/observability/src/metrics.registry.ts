import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One prom-client registry per service (several services may share a process), with default metrics. */
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly requests: Counter<'subject' | 'outcome'>;
  readonly requestDuration: Histogram<'subject'>;
  readonly inFlight: Gauge<'subject'>;
  readonly eventsPublished: Counter<'type' | 'duplicate'>;
  readonly consumerMessages: Counter<'consumer' | 'outcome'>;

  constructor(
    readonly service: string,
    readonly instance: string,
  ) {
    this.registry.setDefaultLabels({ service, instance });
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'ossa_requests_total',
      help: 'Requests handled, by subject and outcome (ok or an error code).',
      labelNames: ['subject', 'outcome'],
      registers: [this.registry],
    });
    this.requestDuration = new Histogram({
      name: 'ossa_request_duration_seconds',
      help: 'Time from receiving a request to sending its reply.',
      labelNames: ['subject'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.inFlight = new Gauge({
      name: 'ossa_requests_in_flight',
      help: 'Requests received and not yet answered.',
      labelNames: ['subject'],
      registers: [this.registry],
    });
    this.eventsPublished = new Counter({
      name: 'ossa_events_published_total',
      help: 'Events published to the events stream, by type; duplicate=true when JetStream dropped a retry, batched for events sent in a batch whose last one was acknowledged.',
      labelNames: ['type', 'duplicate'],
      registers: [this.registry],
    });
    this.consumerMessages = new Counter({
      name: 'ossa_consumer_messages_total',
      help: 'Durable consumer messages, by consumer and outcome (ack, nak, dead_letter).',
      labelNames: ['consumer', 'outcome'],
      registers: [this.registry],
    });
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
