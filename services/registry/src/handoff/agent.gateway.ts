import { Inject, Injectable } from '@nestjs/common';
import type { BidInvitation, HandoffRequestDto } from '@ossa/contracts';
import { NatsClient, NatsConnectionService } from '@ossa/messaging';
import { award, collectBids, ListenerMemory, type BidOutcome } from './bidding';

const encoder = new TextEncoder();

/** What the registry says to agents: bid invitations, awards and the durable assignment. */
export interface AgentGateway {
  collectBids(agentIds: string[], invitation: Omit<BidInvitation, 'deadline'>, windowMs: number): Promise<BidOutcome[]>;
  award(agentId: string, negotiationId: string, task: HandoffRequestDto, timeoutMs: number): Promise<boolean>;
  /** Publishes the assignment on the agent's durable subject; `messageId` makes a repeat inside the duplicate window a no-op. */
  deliver(agentId: string, assignment: { negotiationId: string; taskId: string; agentId: string; epoch: number; task: HandoffRequestDto }, messageId: string): Promise<void>;
}

export const AGENT_GATEWAY = Symbol('AGENT_GATEWAY');

/** The gateway over NATS: requests on `<prefix>.agents.<id>.bid|award`, JetStream on `<prefix>.tasks.assigned.<id>`. */
@Injectable()
export class NatsAgentGateway implements AgentGateway {
  constructor(
    @Inject(NatsConnectionService) private readonly nats: NatsConnectionService,
    @Inject(NatsClient) private readonly client: NatsClient,
    @Inject(ListenerMemory) private readonly listeners: ListenerMemory,
  ) {}

  collectBids(agentIds: string[], invitation: Omit<BidInvitation, 'deadline'>, windowMs: number): Promise<BidOutcome[]> {
    return collectBids(this.client, agentIds, invitation, windowMs, this.listeners);
  }

  award(agentId: string, negotiationId: string, task: HandoffRequestDto, timeoutMs: number): Promise<boolean> {
    return award(this.client, agentId, negotiationId, task, timeoutMs, this.listeners);
  }

  async deliver(agentId: string, assignment: { negotiationId: string; taskId: string; agentId: string; epoch: number; task: HandoffRequestDto }, messageId: string): Promise<void> {
    // tasksAssigned checks the agent id as a subject token.
    await this.nats.js.publish(this.nats.subjects.tasksAssigned(agentId), encoder.encode(JSON.stringify(assignment)), { msgID: messageId });
  }
}
