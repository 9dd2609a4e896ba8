import { Inject, Injectable } from '@nestjs/common';
import type { MsgHdrs } from 'nats';
import {
  MalformedReplyError,
  NatsClient,
  NoRespondersError,
  RemoteError,
  RequestTimeoutError,
} from '@ossa/messaging';
import { ServiceConfig } from '@ossa/runtime';
import { CIPHER, CIPHER_HEADER, KEY_ID_HEADER, KeyDirectory, openMessage } from '@ossa/security';

/** How a stakeholder agent answered an invitation to vote. */
export type BallotAnswer =
  | { kind: 'reply'; body: unknown }
  /** No agent listens on the stakeholder's ballot subject. */
  | { kind: 'absent' }
  /** No answer within the window. */
  | { kind: 'silent' }
  /** An answer that cannot be read, or an error envelope. */
  | { kind: 'unreadable'; reason: string };

/** The decision service's one way to talk to stakeholder agents (`<prefix>.agents.<id>.ballot`). */
@Injectable()
export class StakeholderGateway {
  private readonly keys?: KeyDirectory;

  constructor(
    @Inject(NatsClient) private readonly client: NatsClient,
    @Inject(ServiceConfig) config: ServiceConfig,
  ) {
    if (config.OSSA_PAYLOAD_KEYS_DIR) this.keys = new KeyDirectory(config.OSSA_PAYLOAD_KEYS_DIR);
  }

  /** A ballot of a confidential decision arrives sealed (AES-256-GCM, key id in a header, bound to the ballot subject). */
  private async open(subject: string, data: Uint8Array, headers: MsgHdrs | undefined): Promise<Uint8Array> {
    if (headers?.get(CIPHER_HEADER) !== CIPHER) return data;
    if (!this.keys)
      throw new Error('the ballot is sealed but this service has no payload keys (OSSA_PAYLOAD_KEYS_DIR)');
    return openMessage(await this.keys.keyring(), subject, headers.get(KEY_ID_HEADER), data);
  }

  /** `invitation` is encoded once by the caller and sent to every stakeholder as it is. */
  async askBallot(stakeholderId: string, invitation: Uint8Array, timeoutMs: number): Promise<BallotAnswer> {
    const subject = this.client.subjects.agent(stakeholderId, 'ballot');
    try {
      return {
        kind: 'reply',
        body: await this.client.request<unknown>(subject, invitation, {
          timeoutMs,
          openReply: (data, headers) => this.open(subject, data, headers),
        }),
      };
    } catch (err) {
      if (err instanceof NoRespondersError) return { kind: 'absent' };
      if (err instanceof RequestTimeoutError) return { kind: 'silent' };
      if (err instanceof MalformedReplyError || err instanceof RemoteError)
        return { kind: 'unreadable', reason: err.message };
      throw err;
    }
  }

  /** Resolves once the server has taken everything sent so far (bounds what a fan-out buffers). */
  flush(): Promise<void> {
    return this.client.flush();
  }
}
