import { Controller, Inject } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  AgentBatchDto,
  AgentDto,
  AgentHeartbeatDto,
  AgentListDto,
  AgentRefDto,
  EVENT_NAMES,
  OssaError,
} from '@ossa/contracts';
import { actorOf, AuditPublisher, EventPublisher, NatsContext, onChannel } from '@ossa/messaging';
import { RegistryConfig } from '../registry-config';
import { REGISTRY_STORE } from '../registry.tokens';
import { isVersionCompatible } from '@ossa/registry';
import { ListenerMemory } from '../handoff/bidding';
import { FailoverService } from '../handoff/failover.service';
import { AgentDirectory } from './agent-directory';
import { assertActsAsItself } from './agent-scope';
import type { AgentRecord, RegistryStore } from './agent.record';

function notFound(agentId: string): OssaError {
  return new OssaError('NOT_FOUND', `No agent ${agentId} is registered`, [
    { field: 'agentId', message: 'not registered', value: agentId },
  ]);
}

/** The stored form of a registration: heartbeat now; the store keeps the first createdAt of an agent registered again. */
function toRecord(dto: AgentDto, now: string): AgentRecord {
  return JSON.parse(
    JSON.stringify({
      ...dto,
      lastHeartbeat: now,
      metadata: { ...dto.metadata, createdAt: dto.metadata?.createdAt ?? now, lastUpdated: now },
    }),
  ) as AgentRecord;
}

/** `ossa.registry.agent.*`: register (or update), heartbeat, deregister, get, list. */
@Controller()
export class AgentsController {
  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(RegistryConfig) private readonly config: RegistryConfig,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AgentDirectory) private readonly directory: AgentDirectory,
    @Inject(ListenerMemory) private readonly listeners: ListenerMemory,
    @Inject(FailoverService) private readonly failover: FailoverService,
    @Inject(AuditPublisher) private readonly audit: AuditPublisher,
  ) {}

  /** Checks the caller may act for this agent; a refusal is audited before it is answered. */
  private async authorize(
    context: NatsContext | undefined,
    agentId: string,
    field: string,
    action: string,
  ): Promise<void> {
    try {
      assertActsAsItself(context?.getCaller(), agentId, field, action);
    } catch (err) {
      await this.audit.record({
        action: 'refused',
        actor: actorOf(context?.getCaller()),
        outcome: 'refused',
        agentId,
        details: { request: action, message: (err as Error).message },
      });
      throw err;
    }
  }

  @MessagePattern(onChannel('registryAgentRegister'))
  async register(
    @Payload() dto: AgentDto,
    @Ctx() context?: NatsContext,
  ): Promise<{ agent: AgentRecord; created: boolean }> {
    await this.authorize(context, dto.id, 'id', 'register');
    if (await this.newPastCapacity([dto.id])) {
      throw new OssaError('AGENT_CAPACITY_EXCEEDED', 'Agent capacity exceeded', [
        {
          field: 'id',
          message: `this registry holds at most ${this.config.MAX_AGENTS} agents`,
          value: dto.id,
        },
      ]);
    }
    const { created, agent } = await this.store.upsertAgent(toRecord(dto, new Date().toISOString()));
    await this.registered(agent, created);
    await this.audit.record({
      action: 'agentRegistered',
      actor: actorOf(context?.getCaller()),
      outcome: 'ok',
      agentId: agent.id,
      details: { created, revision: agent.revision },
    });
    return { agent, created };
  }

  /**
   * `ossa.registry.agent.register.batch`: up to AGENT_BATCH_MAX agents. The whole batch is checked (every
   * field, repeated ids, capacity) before any agent is stored; if the store fails part way, sending the
   * same batch again is safe, as registration is an upsert.
   */
  @MessagePattern(onChannel('registryAgentBatch'))
  async registerBatch(
    @Payload() dto: AgentBatchDto,
    @Ctx() context?: NatsContext,
  ): Promise<{
    registered: number;
    created: number;
    agents: { agentId: string; created: boolean; revision?: number }[];
  }> {
    for (const [i, a] of dto.agents.entries())
      await this.authorize(context, a.id, `agents[${i}].id`, 'register');
    const firstIndex = new Map<string, number>();
    const repeated = dto.agents.flatMap((a, i) => {
      const first = firstIndex.get(a.id);
      if (first === undefined) firstIndex.set(a.id, i);
      return first === undefined
        ? []
        : [{ field: `agents[${i}].id`, message: `repeats agents[${first}].id`, value: a.id }];
    });
    if (repeated.length) throw new OssaError('VALIDATION_FAILED', 'Validation failed', repeated);
    const fresh = await this.newPastCapacity(dto.agents.map((a) => a.id));
    if (fresh) {
      throw new OssaError('AGENT_CAPACITY_EXCEEDED', 'Agent capacity exceeded', [
        {
          field: 'agents',
          message: `${fresh} new agents would pass this registry's limit of ${this.config.MAX_AGENTS}`,
          value: fresh,
        },
      ]);
    }
    const now = new Date().toISOString();
    const stored = await this.store.upsertAgents(dto.agents.map((a) => toRecord(a, now)));
    await Promise.all(stored.map(({ agent, created }) => this.registered(agent, created)));
    await Promise.all(
      stored.map(({ agent, created }) =>
        this.audit.record({
          action: 'agentRegistered',
          actor: actorOf(context?.getCaller()),
          outcome: 'ok',
          agentId: agent.id,
          details: { created, batch: true },
        }),
      ),
    );
    return {
      registered: stored.length,
      created: stored.filter((s) => s.created).length,
      agents: stored.map(({ agent, created }) => ({ agentId: agent.id, created, revision: agent.revision })),
    };
  }

  /**
   * How many of these ids are new when storing them would pass MAX_AGENTS, else 0. This instance's view
   * answers while it is clear of the limit; near it the store confirms (the view may lag behind it).
   */
  private async newPastCapacity(ids: string[]): Promise<number> {
    const unseen = ids.filter((id) => !this.directory.get(id));
    if (this.directory.size + unseen.length <= this.config.MAX_AGENTS) return 0;
    const known = await Promise.all(unseen.map((id) => this.store.getAgent(id)));
    const fresh = unseen.filter((_, i) => !known[i]).length;
    return fresh > 0 && fresh + (await this.store.countAgents()) > this.config.MAX_AGENTS ? fresh : 0;
  }

  private async registered(agent: AgentRecord, created: boolean): Promise<void> {
    this.directory.changed(agent);
    this.listeners.forget(agent.id);
    await this.events.publish(EVENT_NAMES.agentRegistered, {
      agentId: agent.id,
      name: agent.name,
      type: agent.type,
      created,
      capabilities: agent.capabilities.map((c) => ({ id: c.id, version: c.version })),
    });
  }

  @MessagePattern(onChannel('registryAgentHeartbeat'))
  async heartbeat(
    @Payload() dto: AgentHeartbeatDto,
    @Ctx() context?: NatsContext,
  ): Promise<{ agentId: string; lastHeartbeat: string; state: string; currentLoad: number }> {
    await this.authorize(context, dto.agentId, 'agentId', 'heartbeat for');
    const at = new Date().toISOString();
    const current = this.directory.get(dto.agentId) ?? (await this.store.getAgent(dto.agentId));
    if (!current) throw notFound(dto.agentId);
    // Heard now, whatever the store write waits behind: the sweep does not take this agent for silent.
    this.directory.heardFrom(dto.agentId);
    // A heartbeat from an agent marked failed brings it back as available unless it says otherwise.
    const state = dto.state ?? (current.state === 'failed' ? 'available' : undefined);
    // The load is the registry's (its count of the agent's assignments), never the agent's report.
    const agent = await this.store.heartbeat(dto.agentId, at, { state });
    if (!agent) throw notFound(dto.agentId);
    this.directory.changed(agent);
    this.listeners.forget(agent.id);
    return {
      agentId: agent.id,
      lastHeartbeat: agent.lastHeartbeat,
      state: agent.state,
      currentLoad: agent.currentLoad,
    };
  }

  @MessagePattern(onChannel('registryAgentDeregister'))
  async deregister(
    @Payload() dto: AgentRefDto,
    @Ctx() context?: NatsContext,
  ): Promise<{ agentId: string; removed: true }> {
    await this.authorize(context, dto.agentId, 'agentId', 'deregister');
    if (!(await this.store.removeAgent(dto.agentId))) throw notFound(dto.agentId);
    this.directory.removed(dto.agentId);
    this.failover.agentRemoved(dto.agentId);
    await this.audit.record({
      action: 'agentRemoved',
      actor: actorOf(context?.getCaller()),
      outcome: 'ok',
      agentId: dto.agentId,
    });
    return { agentId: dto.agentId, removed: true };
  }

  @MessagePattern(onChannel('registryAgentGet'))
  async get(@Payload() dto: AgentRefDto): Promise<AgentRecord> {
    const agent = await this.store.getAgent(dto.agentId);
    if (!agent) throw notFound(dto.agentId);
    return agent;
  }

  @MessagePattern(onChannel('registryAgentList'))
  async list(@Payload() dto: AgentListDto) {
    if (dto.version && !dto.capability) {
      throw new OssaError('VALIDATION_FAILED', 'version filters need a capability', [
        { field: 'version', message: 'needs capability' },
      ]);
    }
    const limit = dto.limit ?? 100;
    const page = await this.store.listAgents(
      { capability: dto.capability, state: dto.state, region: dto.region, tag: dto.tag },
      limit,
      dto.cursor,
    );
    const agents = dto.version
      ? page.agents.filter((a) =>
          a.capabilities.some((c) => c.id === dto.capability && isVersionCompatible(dto.version, c.version)),
        )
      : page.agents;
    return { agents, nextCursor: page.nextCursor ?? null };
  }
}
