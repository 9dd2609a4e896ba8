import { AckPolicy, DeliverPolicy, type JsMsg } from 'nats';
import { NatsConnectionService } from './nats-connection';

const NANOS_PER_MS = 1_000_000;

/**
 * Reads every message stored on `subject` (wildcards allowed) from the start of `stream`, through a short-lived
 * ephemeral consumer that acknowledges nothing. Stops when the consumer reports nothing pending.
 */
export async function readStoredMessages(nats: NatsConnectionService, stream: string, subject: string, max = 10_000): Promise<JsMsg[]> {
  const info = await nats.jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subject,
    inactive_threshold: 30_000 * NANOS_PER_MS,
  });
  try {
    const consumer = await nats.js.consumers.get(stream, info.name);
    const messages: JsMsg[] = [];
    let pending = info.num_pending;
    while (pending > 0 && messages.length < max) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, 256), expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        messages.push(m);
        pending = m.info.pending;
        got++;
      }
      if (got === 0) break;
    }
    return messages;
  } finally {
    await nats.jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
}
