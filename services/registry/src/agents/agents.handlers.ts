import { Inject, Injectable } from '@nestjs/common';
import { AgentDto, AgentHeartbeatDto, AgentListDto, AgentRefDto, EVENT_NAMES, OssaError } from '@ossa/contracts';
import { EventPublisher, NatsHandler } from '@ossa/messaging';
import { RegistryConfig } from '../registry-config';
import { REGISTRY_STORE } from '../registry.tokens';
import type { AgentRecord, RegistryStore } from './agent.record';
import { isVersionCompatible } from '@ossa/registry';

function notFound(agentId: string): OssaError {
  return new OssaError('NOT_FOUND', `No agent ${agentId} is registered`, [{ field: 'agentId', message: 'not registered', value: agentId }]);
}

/** `ossa.registry.agent.*`: register (or update), heartbeat, deregister, get, list. */
@Injectable()
export class AgentsHandlers {
  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(RegistryConfig) private readonly config: RegistryConfig,
    @Inject(EventPublisher) private readonly events: EventPublisher,
  ) {}

  @NatsHandler((s) => s.request('registry', 'agent.register'), { dto: AgentDto })
  async register(dto: AgentDto): Promise<{ agent: AgentRecord; created: boolean }> {
    const now = new Date().toISOString();
    const existing = await this.store.getAgent(dto.id);
    if (!existing && (await this.store.countAgents()) >= this.config.MAX_AGENTS) {
      throw new OssaError('AGENT_CAPACITY_EXCEEDED', 'Agent capacity exceeded', [
        { field: 'id', message: `this registry holds at most ${this.config.MAX_AGENTS} agents`, value: dto.id },
      ]);
    }
    const agent: AgentRecord = JSON.parse(JSON.stringify({
      ...dto,
      lastHeartbeat: now,
      metadata: { ...dto.metadata, createdAt: existing?.metadata?.createdAt ?? dto.metadata?.createdAt ?? now, lastUpdated: now },
    }));
    const { created } = await this.store.upsertAgent(agent);
    await this.events.publish(EVENT_NAMES.agentRegistered, { agentId: agent.id, name: agent.name, type: agent.type, created, capabilities: agent.capabilities.map((c) => ({ id: c.id, version: c.version })) });
    return { agent, created };
  }

  @NatsHandler((s) => s.request('registry', 'agent.heartbeat'), { dto: AgentHeartbeatDto })
  async heartbeat(dto: AgentHeartbeatDto): Promise<{ agentId: string; lastHeartbeat: string; state: string; currentLoad: number }> {
    const at = new Date().toISOString();
    const current = await this.store.getAgent(dto.agentId);
    if (!current) throw notFound(dto.agentId);
    // A heartbeat from an agent marked failed brings it back as available unless it says otherwise.
    const state = dto.state ?? (current.state === 'failed' ? 'available' : undefined);
    const agent = await this.store.heartbeat(dto.agentId, at, { currentLoad: dto.currentLoad, state });
    if (!agent) throw notFound(dto.agentId);
    return { agentId: agent.id, lastHeartbeat: agent.lastHeartbeat, state: agent.state, currentLoad: agent.currentLoad };
  }

  @NatsHandler((s) => s.request('registry', 'agent.deregister'), { dto: AgentRefDto })
  async deregister(dto: AgentRefDto): Promise<{ agentId: string; removed: true }> {
    if (!(await this.store.removeAgent(dto.agentId))) throw notFound(dto.agentId);
    return { agentId: dto.agentId, removed: true };
  }

  @NatsHandler((s) => s.request('registry', 'agent.get'), { dto: AgentRefDto })
  async get(dto: AgentRefDto): Promise<AgentRecord> {
    const agent = await this.store.getAgent(dto.agentId);
    if (!agent) throw notFound(dto.agentId);
    return agent;
  }

  @NatsHandler((s) => s.request('registry', 'agent.list'), { dto: AgentListDto })
  async list(dto: AgentListDto) {
    if (dto.version && !dto.capability) {
      throw new OssaError('VALIDATION_FAILED', 'version filters need a capability', [{ field: 'version', message: 'needs capability' }]);
    }
    const limit = dto.limit ?? 100;
    const page = await this.store.listAgents({ capability: dto.capability, state: dto.state, region: dto.region, tag: dto.tag }, limit, dto.cursor);
    const agents = dto.version
      ? page.agents.filter((a) => a.capabilities.some((c) => c.id === dto.capability && isVersionCompatible(dto.version, c.version)))
      : page.agents;
    return { agents, nextCursor: page.nextCursor ?? null };
  }
}
