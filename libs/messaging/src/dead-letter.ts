import { headers as natsHeaders, type MsgHdrs } from 'nats';

/** Why a message went to the dead-letter stream. */
export type DeadLetterReason = 'permanent' | 'max-deliveries' | 'ack-timeouts';

/** Whether the dead letter carries the original body whole, cut short, or not at all (reference only). */
export type DeadLetterBody = 'full' | 'truncated' | 'reference';

export interface DeadLetterInput {
  subject: string;
  stream: string;
  consumer: string;
  sequence: number;
  deliveries: number;
  reason: DeadLetterReason;
  error: string;
  data: Uint8Array;
}

export interface DeadLetter {
  headers: MsgHdrs;
  data: Uint8Array;
  body: DeadLetterBody;
  /** `Nats-Msg-Id`: one dead letter per stream message, whichever path (handler or advisory) sends it. */
  msgId: string;
}

/** Room left for what JetStream adds (`Nats-Msg-Id`, expected-stream headers) and the header block's framing. */
const HEADER_SLACK_BYTES = 512;
const MAX_ERROR_CHARS = 512;

/** A header value holds printable ASCII only: CR/LF would end the header block, other bytes may be refused. */
export function headerValue(value: string, maxChars = MAX_ERROR_CHARS): string {
  return value.replace(/[^\x20-\x7e]+/g, ' ').slice(0, maxChars).trim() || '-';
}

function headerBytes(h: MsgHdrs): number {
  // `NATS/1.0\r\n`, one `Key: value\r\n` per value, and the closing `\r\n`.
  let bytes = 12;
  for (const [key, values] of h) for (const v of values) bytes += key.length + 2 + v.length + 2;
  return bytes;
}

/**
 * The dead letter of a message, never larger than `maxPayload` (headers and body together, as the server
 * counts them): the original body whole when it fits, else its first bytes; always the original's stream,
 * sequence and size, so a reader can tell what was cut and fetch it while the stream still holds it.
 */
export function buildDeadLetter(input: DeadLetterInput, maxPayload: number): DeadLetter {
  const h = natsHeaders();
  h.set('Ossa-Original-Subject', headerValue(input.subject, 1024));
  h.set('Ossa-Original-Stream', headerValue(input.stream));
  h.set('Ossa-Original-Consumer', headerValue(input.consumer));
  h.set('Ossa-Original-Sequence', String(input.sequence));
  h.set('Ossa-Original-Size', String(input.data.byteLength));
  h.set('Ossa-Deliveries', String(input.deliveries));
  h.set('Ossa-Reason', input.reason);
  h.set('Ossa-Error', headerValue(input.error));
  // The longest value the body header can take, counted before it is known.
  h.set('Ossa-Body', 'reference');
  const room = Math.max(0, maxPayload - headerBytes(h) - HEADER_SLACK_BYTES);
  let body: DeadLetterBody;
  let data: Uint8Array;
  if (input.data.byteLength <= room) {
    body = 'full';
    data = input.data;
  } else if (room > 0) {
    body = 'truncated';
    data = input.data.subarray(0, room);
  } else {
    body = 'reference';
    data = new Uint8Array();
  }
  h.set('Ossa-Body', body);
  return { headers: h, data, body, msgId: `${input.stream}:${input.consumer}:${input.sequence}` };
}
