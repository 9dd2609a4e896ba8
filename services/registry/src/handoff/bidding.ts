import type { AwardAck, BidInvitation, BidReply, HandoffRequestDto } from '@ossa/contracts';
import { MalformedReplyError, NoRespondersError, RemoteError, type NatsClient } from '@ossa/messaging';

const encoder = new TextEncoder();

export type BidOutcome =
  | { agentId: string; kind: 'bid'; confidence: number; price?: number; estimatedDurationMs?: number }
  | { agentId: string; kind: 'declined'; reason?: string }
  /** Nobody listens on the agent's bid subject: it does not take part in bidding and is judged on its record. */
  | { agentId: string; kind: 'not_bidding' }
  | { agentId: string; kind: 'silent' };


/**
 * Agents found with no listener on their bid or award subject. Most agents never bid; asking each of them
 * on every handoff costs a round trip and an error. Such an agent is not asked again for `recheckMs`, or
 * until it registers or sends a heartbeat again (which forgets it here).
 */
export class ListenerMemory {
  private readonly absent = new Map<string, number>();

  constructor(private readonly recheckMs: number) {}

  isKnownAbsent(kind: 'bid' | 'award', agentId: string, now = Date.now()): boolean {
    const until = this.absent.get(`${kind}:${agentId}`);
    if (until === undefined) return false;
    if (until > now) return true;
    this.absent.delete(`${kind}:${agentId}`);
    return false;
  }

  markAbsent(kind: 'bid' | 'award', agentId: string, now = Date.now()): void {
    if (this.recheckMs > 0) this.absent.set(`${kind}:${agentId}`, now + this.recheckMs);
  }

  forget(agentId: string): void {
    this.absent.delete(`bid:${agentId}`);
    this.absent.delete(`award:${agentId}`);
  }
}

/** Contract net: invite agents to bid on `<prefix>.agents.<id>.bid` and wait up to the bid window. */
export async function collectBids(client: NatsClient, agentIds: string[], invitation: Omit<BidInvitation, 'deadline'>, windowMs: number, listeners: ListenerMemory): Promise<BidOutcome[]> {
  let body: Uint8Array | undefined;
  return Promise.all(
    agentIds.map(async (agentId): Promise<BidOutcome> => {
      if (listeners.isKnownAbsent('bid', agentId)) return { agentId, kind: 'not_bidding' };
      body ??= encoder.encode(JSON.stringify({ ...invitation, deadline: new Date(Date.now() + windowMs).toISOString() } satisfies BidInvitation));
      try {
        const parsed = await client.request<BidReply | null>(client.subjects.agent(agentId, 'bid'), body, { timeoutMs: windowMs });
        if (typeof parsed !== 'object' || parsed === null) return { agentId, kind: 'declined', reason: 'unreadable bid' };
        if ('bid' in parsed && parsed.bid === true) {
          const confidence = typeof parsed.confidence === 'number' && parsed.confidence >= 0 && parsed.confidence <= 1 ? parsed.confidence : 1;
          return { agentId, kind: 'bid', confidence, price: parsed.price, estimatedDurationMs: parsed.estimatedDurationMs };
        }
        return { agentId, kind: 'declined', reason: 'reason' in parsed ? parsed.reason : undefined };
      } catch (err) {
        if (err instanceof NoRespondersError) {
          listeners.markAbsent('bid', agentId);
          return { agentId, kind: 'not_bidding' };
        }
        if (err instanceof MalformedReplyError) return { agentId, kind: 'declined', reason: 'unreadable bid' };
        if (err instanceof RemoteError) return { agentId, kind: 'declined', reason: err.message };
        return { agentId, kind: 'silent' };
      }
    }),
  );
}

/** Tells the winner; true when it confirms, or when it has no listener (the durable assignment reaches it later). */
export async function award(client: NatsClient, agentId: string, negotiationId: string, task: HandoffRequestDto, timeoutMs: number, listeners: ListenerMemory): Promise<boolean> {
  if (listeners.isKnownAbsent('award', agentId)) return true;
  try {
    const ack = await client.request<AwardAck | null>(client.subjects.agent(agentId, 'award'), { negotiationId, taskId: task.id, agentId, task }, { timeoutMs });
    return ack?.accepted === true;
  } catch (err) {
    if (!(err instanceof NoRespondersError)) return false;
    listeners.markAbsent('award', agentId);
    return true;
  }
}
