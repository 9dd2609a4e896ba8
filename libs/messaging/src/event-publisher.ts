import { randomUUID } from 'node:crypto';
import { EVENT_NAME_PATTERN, type EventEnvelope } from '@ossa/contracts';
import { MetricsRegistry } from '@ossa/observability';
import { NatsConnectionService } from './nats-connection';

export interface PublishedEvent<T> {
  event: EventEnvelope<T>;
  /** Stream sequence of the stored event. */
  seq: number;
  /** True when JetStream had already stored an event with this id (the retry was dropped). */
  duplicate: boolean;
}

const encoder = new TextEncoder();

/** Publishes `{id, type, at, source, data}` to `<prefix>.events.<type>` with `Nats-Msg-Id: id`. */
export class EventPublisher {
  constructor(
    private readonly nats: NatsConnectionService,
    private readonly source: string,
    private readonly metrics?: MetricsRegistry,
  ) {}

  async publish<T>(type: string, data: T, options: { id?: string; at?: Date } = {}): Promise<PublishedEvent<T>> {
    if (!EVENT_NAME_PATTERN.test(type)) throw new Error(`event type "${type}" is not a single lowerCamelCase token`);
    const event: EventEnvelope<T> = {
      id: options.id ?? randomUUID(),
      type,
      at: (options.at ?? new Date()).toISOString(),
      source: this.source,
      data,
    };
    const ack = await this.nats.js.publish(this.nats.subjects.event(type), encoder.encode(JSON.stringify(event)), {
      msgID: event.id,
    });
    this.metrics?.eventsPublished.inc({ type, duplicate: String(ack.duplicate) });
    return { event, seq: ack.seq, duplicate: ack.duplicate };
  }
}
