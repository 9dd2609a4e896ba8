import { AckPolicy, DeliverPolicy, RetentionPolicy, type ConsumerMessages, type JsMsg, type MsgHdrs, type Subscription } from 'nats';
import { EVENT_NAMES, OssaError } from '@ossa/contracts';
import { MetricsRegistry, type Logger } from '@ossa/observability';
import { buildDeadLetter, type DeadLetter, type DeadLetterInput } from './dead-letter';
import { EventPublisher } from './event-publisher';
import { NatsConnectionService } from './nats-connection';

const NANOS_PER_MS = 1_000_000;
const decoder = new TextDecoder();
/** NATS's default max_payload, for a connection that has not reported its server's yet. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

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
  /** The handler is still at it: the server restarts this delivery's ack_wait instead of redelivering. */
  working(): void;
}

/** What `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>` carries (io.nats.jetstream.advisory.v1.max_deliver). */
interface StoredDeadLetter {
  input: DeadLetterInput;
  letter: DeadLetter;
  /** Sequence of the dead letter in the dead-letter stream. */
  seq: number;
}

interface MaxDeliveriesAdvisory {
  stream?: string;
  consumer?: string;
  stream_seq?: number;
  deliveries?: number;
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
  /** Time a handler may take before the server redelivers (a handler may extend it with `working()`). */
  ackWaitMs?: number;
  /** Messages handled at once. */
  concurrency?: number;
  logger?: Logger;
  metrics?: MetricsRegistry;
  /** Publishes `messageDeadLettered`; one with source `<stream>/<durable>` is made when absent. */
  events?: EventPublisher;
}

/**
 * A durable pull consumer: ack on success, nak with backoff on failure, dead-letter after max deliveries or
 * at once on a {@link PermanentMessageError}. A message whose ack_wait expiries use up max_deliver is
 * dead-lettered from the server's advisory. Nothing a message does (a handler that throws or never ends, a
 * body too large to copy, a dead-letter publish that fails) rejects a promise nobody handles or stops the loop.
 */
export class DurableConsumer {
  private messages?: ConsumerMessages;
  private advisories?: Subscription;
  private stopping = false;
  private loop?: Promise<void>;
  private readonly active = new Set<Promise<void>>();
  private readonly maxDeliver: number;
  private readonly backoffMs: number[];
  private readonly events: EventPublisher;
  /** Work-queue streams keep a message nobody can ack any more until max_age: those are removed once dead-lettered. */
  private workQueue = false;

  constructor(
    private readonly nats: NatsConnectionService,
    private readonly options: DurableConsumerOptions,
  ) {
    this.maxDeliver = options.maxDeliver ?? 5;
    this.backoffMs = options.backoffMs?.length ? options.backoffMs : [1000, 5000, 15000];
    this.events = options.events ?? new EventPublisher(nats, `${options.stream}/${options.durable}`, options.metrics);
  }

  get deadLetterSubject(): string {
    return this.nats.subjects.deadLetter(this.options.stream, this.options.durable);
  }

  /** Subject of the server's advisory for a message of this consumer delivered max_deliver times without an ack. */
  get maxDeliveriesAdvisorySubject(): string {
    return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${this.options.stream}.${this.options.durable}`;
  }

  private get label(): string {
    return `${this.options.stream}/${this.options.durable}`;
  }

  async start(): Promise<void> {
    const { stream, durable, filterSubject } = this.options;
    this.stopping = false;
    const streamInfo = await this.nats.jsm.streams.info(stream);
    this.workQueue = streamInfo.config.retention === RetentionPolicy.Workqueue;
    // Before the consumer exists, so no advisory of this consumer can be missed; one instance takes each.
    this.advisories = this.nats.nc.subscribe(this.maxDeliveriesAdvisorySubject, {
      queue: `${stream}-${durable}-max-deliveries`,
      callback: (err, msg) => {
        if (err) return this.options.logger?.error({ err, consumer: this.label }, 'advisory subscription error');
        this.track(this.onMaxDeliveries(msg.data));
      },
    });
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
          this.settle(m, 'nak');
          continue;
        }
        this.track(this.process(m));
        while (this.active.size >= concurrency) await Promise.race(this.active);
      }
    })().catch((err: unknown) => {
      if (!this.stopping) this.options.logger?.error({ err, consumer: this.label }, 'consumer loop ended; no more messages are taken');
    });
  }

  /** Stops pulling, then waits for the messages being handled. */
  async stop(): Promise<void> {
    if (!this.messages) return;
    this.stopping = true;
    await this.advisories?.drain().catch(() => undefined);
    await this.messages.close().catch(() => undefined);
    await this.loop;
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
    // Acks are fire-and-forget publishes: make sure the server has them before reporting stopped.
    await this.nats.nc.flush().catch(() => undefined);
    this.messages = undefined;
  }

  /** Work that never rejects (each path catches its own errors); kept until done so stop() can wait for it. */
  private track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => this.options.logger?.error({ err, consumer: this.label }, 'unexpected failure in consumer work'));
    this.active.add(tracked);
    void tracked.finally(() => this.active.delete(tracked));
  }

  /** ack/nak write to a connection that may be closing: such a failure only means the server redelivers. */
  private settle(m: JsMsg, how: 'ack' | 'nak', delayMs?: number): void {
    try {
      if (how === 'ack') m.ack();
      else m.nak(delayMs);
    } catch (err) {
      this.options.logger?.warn({ err, consumer: this.label, seq: m.seq }, `could not ${how} a message; the server redelivers it`);
    }
  }

  private async process(m: JsMsg): Promise<void> {
    const message: ConsumedMessage = {
      subject: m.subject,
      data: m.data,
      headers: m.headers,
      deliveryCount: m.info.redeliveryCount,
      streamSequence: m.seq,
      text: () => decoder.decode(m.data),
      json: <T>() => JSON.parse(decoder.decode(m.data)) as T,
      working: () => {
        try {
          m.working();
        } catch {
          // A closed connection: the delivery ends with ack_wait like any other.
        }
      },
    };
    let failure: unknown;
    try {
      await this.options.handler(message);
    } catch (err) {
      failure = err ?? new Error('handler failed without an error');
    }
    if (failure === undefined) {
      this.settle(m, 'ack');
      this.options.metrics?.consumerMessages.inc({ consumer: this.label, outcome: 'ack' });
      return;
    }
    // A body that fails validation fails the same way on every delivery.
    const permanent = failure instanceof PermanentMessageError || (failure instanceof OssaError && failure.code === 'VALIDATION_FAILED');
    if (permanent || message.deliveryCount >= this.maxDeliver) {
      const sent = await this.deadLetter({
        subject: m.subject,
        stream: this.options.stream,
        consumer: this.options.durable,
        sequence: m.seq,
        deliveries: message.deliveryCount,
        reason: permanent ? 'permanent' : 'max-deliveries',
        error: failure instanceof Error ? failure.message : String(failure),
        data: m.data,
      });
      if (!sent) {
        // Not acked: offered again after the longest backoff; at max_deliver the server's advisory brings it back.
        this.settle(m, 'nak', this.backoffMs[this.backoffMs.length - 1]);
        return;
      }
      // The dead-letter stream now holds the message: ack it so a work-queue stream lets it go.
      this.settle(m, 'ack');
      this.options.metrics?.consumerMessages.inc({ consumer: this.label, outcome: 'dead_letter' });
      await this.announce(sent);
      return;
    }
    const delay = this.backoffMs[Math.min(message.deliveryCount - 1, this.backoffMs.length - 1)];
    this.options.logger?.warn({ err: failure, subject: m.subject, delivery: message.deliveryCount, retryInMs: delay }, 'message failed; will retry');
    this.settle(m, 'nak', delay);
    this.options.metrics?.consumerMessages.inc({ consumer: this.label, outcome: 'nak' });
  }

  /** The server gave up on a message (its ack_wait expired on every delivery): dead-letter it from the stream. */
  private async onMaxDeliveries(data: Uint8Array): Promise<void> {
    let advisory: MaxDeliveriesAdvisory;
    try {
      advisory = JSON.parse(decoder.decode(data)) as MaxDeliveriesAdvisory;
    } catch (err) {
      this.options.logger?.warn({ err, consumer: this.label }, 'unreadable max-deliveries advisory ignored');
      return;
    }
    const seq = advisory.stream_seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return;
    let stored;
    try {
      stored = await this.nats.jsm.streams.getMessage(this.options.stream, { seq });
    } catch (err) {
      // Gone already: acked late by a slow handler, or dead-lettered by another path.
      this.options.logger?.debug({ err, consumer: this.label, seq }, 'message of a max-deliveries advisory no longer in the stream');
      return;
    }
    const deliveries = typeof advisory.deliveries === 'number' ? advisory.deliveries : this.maxDeliver;
    const sent = await this.deadLetter({
      subject: stored.subject,
      stream: this.options.stream,
      consumer: this.options.durable,
      sequence: seq,
      deliveries,
      reason: 'ack-timeouts',
      error: `delivered ${deliveries} times without an ack: every ack_wait expired`,
      data: stored.data,
    });
    if (!sent) return;
    this.options.metrics?.consumerMessages.inc({ consumer: this.label, outcome: 'dead_letter' });
    if (this.workQueue) {
      try {
        await this.nats.jsm.streams.deleteMessage(this.options.stream, seq, false);
      } catch (err) {
        this.options.logger?.debug({ err, consumer: this.label, seq }, 'dead-lettered message already removed from the work queue');
      }
    }
    await this.announce(sent);
  }

  /** Stores the dead letter (within the connection's max_payload); null instead of a rejection when it could not. */
  private async deadLetter(input: DeadLetterInput): Promise<StoredDeadLetter | null> {
    const maxPayload = this.nats.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    const letter = buildDeadLetter(input, maxPayload);
    try {
      const ack = await this.nats.js.publish(this.deadLetterSubject, letter.data, { headers: letter.headers, msgID: letter.msgId });
      this.options.logger?.error(
        { consumer: this.label, subject: input.subject, seq: input.sequence, deliveries: input.deliveries, reason: input.reason, error: input.error, body: letter.body, duplicate: ack.duplicate, deadLetter: this.deadLetterSubject },
        'message dead-lettered',
      );
      return { input, letter, seq: ack.seq };
    } catch (err) {
      this.options.logger?.error({ err, consumer: this.label, seq: input.sequence, subject: input.subject }, 'could not store a dead letter; the message is kept for another try');
      return null;
    }
  }

  /** `messageDeadLettered`, once the message has left the consumer; one per stream message (stable id). */
  private async announce({ input, letter, seq }: StoredDeadLetter): Promise<void> {
    try {
      await this.events.publish(
        EVENT_NAMES.messageDeadLettered,
        {
          stream: input.stream,
          consumer: input.consumer,
          subject: input.subject,
          sequence: input.sequence,
          deliveries: input.deliveries,
          reason: input.reason,
          error: letter.headers.get('Ossa-Error'),
          originalSize: input.data.byteLength,
          body: letter.body,
          deadLetterSubject: this.deadLetterSubject,
          deadLetterSequence: seq,
        },
        { id: `messageDeadLettered:${letter.msgId}` },
      );
    } catch (err) {
      // The dead letter is stored, which is what matters; the event is the notice of it.
      this.options.logger?.warn({ err, consumer: this.label, seq: input.sequence }, 'could not publish messageDeadLettered');
    }
  }
}
