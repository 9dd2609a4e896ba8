import {
  AckPolicy,
  DeliverPolicy,
  headers as natsHeaders,
  type ConsumerMessages,
  type JsMsg,
  type MsgHdrs,
} from 'nats';
import { OssaError } from '@ossa/contracts';
import { MetricsRegistry, type Logger } from '@ossa/observability';
import { NatsConnectionService } from './nats-connection';

const NANOS_PER_MS = 1_000_000;
const decoder = new TextDecoder();

/** Thrown by a handler for a message that can never succeed: it goes to the dead-letter subject at once. */
export class PermanentMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentMessageError';
  }
}

export interface ConsumedMessage {
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs;
  /** 1 on the first delivery. */
  deliveryCount: number;
  streamSequence: number;
  text(): string;
  json<T = unknown>(): T;
  /** Tells the server the handler is still at work, so ack_wait starts again. */
  working(): void;
}

export interface DurableConsumerOptions {
  stream: string;
  durable: string;
  filterSubject: string;
  handler: (message: ConsumedMessage) => Promise<void>;
  /** Deliveries before a failing message is dead-lettered. */
  maxDeliver?: number;
  /** Delay before redelivery after the n-th failure (the last value repeats). */
  backoffMs?: number[];
  /** Time a handler may take before the server redelivers. */
  ackWaitMs?: number;
  /** Messages handled at once. */
  concurrency?: number;
  logger?: Logger;
  metrics?: MetricsRegistry;
}

/** A durable pull consumer: ack on success, nak with backoff on failure, dead-letter after max deliveries. */
export class DurableConsumer {
  private messages?: ConsumerMessages;
  private stopping = false;
  private loop?: Promise<void>;
  private readonly active = new Set<Promise<void>>();
  private readonly maxDeliver: number;
  private readonly backoffMs: number[];

  constructor(
    private readonly nats: NatsConnectionService,
    private readonly options: DurableConsumerOptions,
  ) {
    this.maxDeliver = options.maxDeliver ?? 5;
    this.backoffMs = options.backoffMs?.length ? options.backoffMs : [1000, 5000, 15000];
  }

  get deadLetterSubject(): string {
    return this.nats.subjects.deadLetter(this.options.stream, this.options.durable);
  }

  async start(): Promise<void> {
    const { stream, durable, filterSubject } = this.options;
    await this.nats.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filterSubject,
      max_deliver: this.maxDeliver,
      ack_wait: (this.options.ackWaitMs ?? 30_000) * NANOS_PER_MS,
    });
    const consumer = await this.nats.js.consumers.get(stream, durable);
    const concurrency = Math.max(1, this.options.concurrency ?? 1);
    // Pull no more than can be worked on, so a stopping consumer leaves little waiting for ack_wait.
    this.messages = await consumer.consume({ max_messages: concurrency });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const m of messages) {
        // Pulled but not started when stopping: hand it straight back instead of letting ack_wait expire.
        if (this.stopping) {
          m.nak();
          continue;
        }
        const work = this.process(m);
        this.active.add(work);
        void work.finally(() => this.active.delete(work));
        while (this.active.size >= concurrency) await Promise.race(this.active);
      }
    })();
  }

  /** Stops pulling, then waits for the messages being handled. */
  async stop(): Promise<void> {
    if (!this.messages) return;
    this.stopping = true;
    await this.messages.close();
    await this.loop;
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
    // Acks are fire-and-forget publishes: make sure the server has them before reporting stopped.
    await this.nats.nc.flush();
    this.messages = undefined;
  }

  private async process(m: JsMsg): Promise<void> {
    const consumerLabel = `${this.options.stream}/${this.options.durable}`;
    const message: ConsumedMessage = {
      subject: m.subject,
      data: m.data,
      headers: m.headers,
      deliveryCount: m.info.redeliveryCount,
      streamSequence: m.seq,
      text: () => decoder.decode(m.data),
      json: <T>() => JSON.parse(decoder.decode(m.data)) as T,
      working: () => m.working(),
    };
    try {
      await this.options.handler(message);
      m.ack();
      this.options.metrics?.consumerMessages.inc({ consumer: consumerLabel, outcome: 'ack' });
    } catch (err) {
      // A body that fails validation fails the same way on every delivery.
      const permanent = err instanceof PermanentMessageError || (err instanceof OssaError && err.code === 'VALIDATION_FAILED');
      if (permanent || message.deliveryCount >= this.maxDeliver) {
        await this.deadLetter(m, message.deliveryCount, err as Error);
        // The dead-letter stream now holds the message: ack it so a work-queue stream lets it go.
        m.ack();
        this.options.metrics?.consumerMessages.inc({ consumer: consumerLabel, outcome: 'dead_letter' });
        return;
      }
      const delay = this.backoffMs[Math.min(message.deliveryCount - 1, this.backoffMs.length - 1)];
      this.options.logger?.warn({ err, subject: m.subject, delivery: message.deliveryCount, retryInMs: delay }, 'message failed; will retry');
      m.nak(delay);
      this.options.metrics?.consumerMessages.inc({ consumer: consumerLabel, outcome: 'nak' });
    }
  }

  private async deadLetter(m: JsMsg, deliveries: number, err: Error): Promise<void> {
    const h = natsHeaders();
    h.set('Ossa-Original-Subject', m.subject);
    h.set('Ossa-Original-Stream', this.options.stream);
    h.set('Ossa-Original-Sequence', String(m.seq));
    h.set('Ossa-Deliveries', String(deliveries));
    h.set('Ossa-Error', (err?.message ?? String(err)).slice(0, 512).replace(/[\r\n]+/g, ' '));
    await this.nats.js.publish(this.deadLetterSubject, m.data, {
      headers: h,
      msgID: `${this.options.stream}:${this.options.durable}:${m.seq}`,
    });
    this.options.logger?.error({ err, subject: m.subject, deliveries, deadLetter: this.deadLetterSubject }, 'message dead-lettered');
  }
}
