import { randomUUID } from 'node:crypto';
import { headers } from 'nats';
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

  /**
   * Publishes several events of one type with one acknowledgement: every event but the last goes out as a
   * plain publish carrying its `Nats-Msg-Id`, the last as an acknowledged JetStream publish. One connection
   * keeps the order of its publishes, so the last event's ack means the stream has taken the whole batch;
   * if it fails, the caller may publish the batch again (the ids make JetStream drop what it already has).
   * For hot paths where one request per event costs too much (a commit's consensusReached event).
   */
  async publishBatch<T>(type: string, items: { data: T; id: string }[]): Promise<void> {
    if (!EVENT_NAME_PATTERN.test(type)) throw new Error(`event type "${type}" is not a single lowerCamelCase token`);
    if (items.length === 0) return;
    const subject = this.nats.subjects.event(type);
    const at = new Date().toISOString();
    const payload = (item: { data: T; id: string }) =>
      encoder.encode(JSON.stringify({ id: item.id, type, at, source: this.source, data: item.data } satisfies EventEnvelope<T>));
    for (const item of items.slice(0, -1)) {
      const h = headers();
      h.set('Nats-Msg-Id', item.id);
      this.nats.nc.publish(subject, payload(item), { headers: h });
    }
    const last = items[items.length - 1];
    const ack = await this.nats.js.publish(subject, payload(last), { msgID: last.id });
    this.metrics?.eventsPublished.inc({ type, duplicate: 'batched' }, items.length - 1);
    this.metrics?.eventsPublished.inc({ type, duplicate: String(ack.duplicate) });
  }
}
