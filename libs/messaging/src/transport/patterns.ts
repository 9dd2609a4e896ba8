import { CHANNELS, channelAddress, type ChannelName } from '@ossa/contracts';

/**
 * What a handler listens to, as `@MessagePattern` / `@EventPattern` metadata. The subject is relative to the
 * runtime prefix and may keep `{replicaId}` / `{instance}` tokens that the transport fills in at start.
 */
export interface OssaPattern {
  channel: ChannelName;
  subject: string;
  /** Instances share the service's queue group (one answers); false when the subject names this instance. */
  queue: boolean;
  /** For JetStream subjects: the durable consumer that reads them. */
  durable?: string;
}

/** A token value that listens to every value of that token (`*`): every sender of Raft traffic, every client. */
export const ANY_TOKEN = '*';

/** The channel's address with the given tokens filled in; ANY_TOKEN ones become the `*` wildcard. */
function patternAddress(channel: ChannelName, tokens: Readonly<Record<string, string>>): string {
  const exact = Object.fromEntries(Object.entries(tokens).filter(([, v]) => v !== ANY_TOKEN));
  let address = channelAddress(channel, exact);
  for (const [name, value] of Object.entries(tokens))
    if (value === ANY_TOKEN) address = address.replace(`{${name}}`, '*');
  return address;
}

/** `@MessagePattern(onChannel('registryAgentRegister'))`: a contract channel, its address relative to the prefix. */
export function onChannel(channel: ChannelName, tokens: Readonly<Record<string, string>> = {}): OssaPattern {
  const spec = CHANNELS[channel];
  if (spec.kind === 'stream') throw new Error(`${channel} is a JetStream subject: use onStream()`);
  return { channel, subject: patternAddress(channel, tokens), queue: spec.scope === 'service' };
}

/** `@EventPattern(onStream('tasksSubmit', 'registry-handoff'), consumerSettings)`: a durable JetStream consumer. */
export function onStream(
  channel: ChannelName,
  durable: string,
  tokens: Readonly<Record<string, string>> = {},
): OssaPattern {
  if (CHANNELS[channel].kind !== 'stream')
    throw new Error(`${channel} is not a JetStream subject: use onChannel()`);
  return { channel, subject: patternAddress(channel, tokens), queue: true, durable };
}

/** Handler extras (second argument of the pattern decorators). */
export interface HandlerExtras {
  /** `bytes`: the handler gets the raw payload (peer protocols with their own codec); default `json`. */
  payload?: 'json' | 'bytes';
  /** Settings of the durable consumer behind an onStream() handler. */
  consumer?: ConsumerSettings;
}

export interface ConsumerSettings {
  /** Deliveries before a failing message is dead-lettered. */
  maxDeliver?: number;
  /** Delay before redelivery after the n-th failure (the last value repeats). */
  backoffMs?: number[];
  /** Time a handler may take before the server redelivers (a handler extends it with `working()`). */
  ackWaitMs?: number;
  /** Messages handled at once. */
  concurrency?: number;
}
