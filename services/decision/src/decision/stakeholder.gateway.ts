import { Inject, Injectable } from '@nestjs/common';
import { MalformedReplyError, NatsClient, NoRespondersError, RemoteError, RequestTimeoutError } from '@ossa/messaging';

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
  constructor(@Inject(NatsClient) private readonly client: NatsClient) {}

  /** `invitation` is encoded once by the caller and sent to every stakeholder as it is. */
  async askBallot(stakeholderId: string, invitation: Uint8Array, timeoutMs: number): Promise<BallotAnswer> {
    try {
      return { kind: 'reply', body: await this.client.request<unknown>(this.client.subjects.agent(stakeholderId, 'ballot'), invitation, { timeoutMs }) };
    } catch (err) {
      if (err instanceof NoRespondersError) return { kind: 'absent' };
      if (err instanceof RequestTimeoutError) return { kind: 'silent' };
      if (err instanceof MalformedReplyError || err instanceof RemoteError) return { kind: 'unreadable', reason: err.message };
      throw err;
    }
  }

  /** Resolves once the server has taken everything sent so far (bounds what a fan-out buffers). */
  flush(): Promise<void> {
    return this.client.flush();
  }
}
