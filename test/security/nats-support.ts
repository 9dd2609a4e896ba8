// Small probes for what the NATS server lets an identity do.
import type { NatsConnection } from 'nats';

const encoder = new TextEncoder();

/** Resolves with the server's refusal when publishing on `subject` is denied; fails if the publish goes through. */
export async function publishRefusal(nc: NatsConnection, subject: string): Promise<string> {
  const outcome = await nc.request(subject, encoder.encode('{}'), { timeout: 2000 }).then(
    () => ({ code: 'ANSWERED', message: 'answered' }),
    (err: { code?: string; message: string }) => ({ code: err.code, message: err.message }),
  );
  if (outcome.code !== 'PERMISSIONS_VIOLATION')
    throw new Error(`publish to ${subject} was not refused: ${outcome.code} ${outcome.message}`);
  return outcome.message;
}

/** Resolves with the server's refusal of a subscription; fails if none comes within two seconds. */
export function subscribeRefusal(nc: NatsConnection, subject: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subscription to ${subject} was not refused`)), 2000);
    nc.subscribe(subject, {
      callback: (err) => {
        if (!err) return;
        clearTimeout(timer);
        resolve(err.message);
      },
    });
    void nc.flush();
  });
}

/** Subscribes and resolves with the first message's text: proof that the subscription is allowed and live. */
export async function firstMessage(
  nc: NatsConnection,
  subject: string,
  trigger: () => Promise<unknown> | void,
): Promise<string> {
  const sub = nc.subscribe(subject, { max: 1 });
  await nc.flush();
  await trigger();
  for await (const m of sub) return new TextDecoder().decode(m.data);
  throw new Error(`no message on ${subject}`);
}
