import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'nats';
import { AgentIndex, type CandidateSearch, type HandoffTask, type SearchOptions } from '@ossa/registry';
import { LOGGER, NatsConnectionService } from '@ossa/messaging';
import type { Logger } from '@ossa/observability';
import { RegistryConfig } from '../registry-config';
import { REGISTRY_STORE } from '../registry.tokens';
import type { AgentRecord, RegistryStore } from './agent.record';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What one instance tells the others after it changed an agent in the store. */
type DirectoryChange = { agent: AgentRecord } | { removed: string };

/**
 * Each registry instance's in-memory view of every agent, indexed by capability, so a handoff finds its
 * candidates without a store query. The store stays the authority: every change is written there first,
 * then applied here and announced to the other instances on `<prefix>.registry.directory.changed.<instance>`; a
 * record older than the one held (by `revision`) is ignored, and a full reload every
 * `DIRECTORY_RESYNC_MS` repairs anything an announcement missed. A stale view can only propose a
 * candidate: the assignment itself is guarded by the store (load, state) and the ledger.
 */
@Injectable()
export class AgentDirectory implements OnModuleInit, BeforeApplicationShutdown {
  private index = new AgentIndex<AgentRecord>();
  private readonly origin = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  private subscription?: Subscription;
  private resyncTimer?: NodeJS.Timeout;
  private resyncing?: Promise<void>;
  private stopReconnectWatch?: () => void;
  /** Announcements sent while this instance was disconnected are lost (announce feed): read everything again on reconnect. */
  private resyncOnReconnect = false;
  /** Fed by the store's own watch (key-value store): nothing to announce, nothing to resync. */
  private watched = false;
  /**
   * Since when this instance can hear heartbeats: its start, or its last reconnect to NATS. An agent is judged
   * silent only over a window this instance listened to the whole of, so a registry (or NATS) outage longer
   * than HEARTBEAT_TIMEOUT_MS does not make every agent look failed when it comes back.
   */
  private hearingSince = Date.now();
  /**
   * When this instance last received each agent's heartbeat, before the store has it: a write queued behind
   * the agent's load updates (MongoDB, under a burst of tasks) must not make a live agent look silent.
   */
  private readonly heard = new Map<string, number>();
  /** Changes applied while a reload reads the store (null: removed), replayed on what it read. */
  private changesDuringReload?: Map<string, AgentRecord | null>;

  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(RegistryConfig) private readonly config: RegistryConfig,
    @Inject(NatsConnectionService) private readonly nats: NatsConnectionService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `<prefix>.registry.directory.changed.<origin>`: an instance skips its own changes by the last token, unread. */
  private subject(origin: string): string {
    return origin === '*' ? this.nats.subjects.directoryChangedWildcard : this.nats.subjects.directoryChanged(origin);
  }

  // Before any handler or consumer starts (they start at application bootstrap): they need the view.
  async onModuleInit(): Promise<void> {
    this.hearingSince = Date.now();
    // A store in this process's memory is seen by this instance only: nothing to announce or repair.
    if (!this.store.durable) return this.reload();
    this.stopReconnectWatch = this.nats.onReconnect(() => {
      this.hearingSince = Date.now();
      if (this.resyncOnReconnect) this.resync();
    });
    if (this.store.onAgentChange && this.config.DIRECTORY_FEED === 'watch') {
      this.watched = true;
      this.store.onAgentChange((change) => ('removed' in change ? this.forget(change.removed) : this.apply(change.agent)));
      return this.reload();
    }
    const own = this.subject(this.origin);
    this.subscription = this.nats.nc.subscribe(this.subject('*'), {
      callback: (err, msg) => {
        if (err || msg.subject === own) return;
        try {
          const change = JSON.parse(decoder.decode(msg.data)) as DirectoryChange;
          if ('removed' in change) this.forget(change.removed);
          else this.apply(change.agent);
        } catch (e) {
          this.logger.warn({ err: e }, 'unreadable directory change ignored');
        }
      },
    });
    await this.nats.nc.flush();
    // Subscribed first: a change announced while the store is read is replayed on what was read, and one
    // announced before the read started is in what was read (announcements follow the store write).
    await this.reload();
    this.resyncTimer = setInterval(() => this.resync(), this.config.DIRECTORY_RESYNC_MS);
    this.resyncTimer.unref?.();
    this.resyncOnReconnect = true;
  }

  private resync(): void {
    this.resyncing ??= this.reload()
      .catch((err) => this.logger.warn({ err }, 'directory resync failed; keeping the current view'))
      .finally(() => (this.resyncing = undefined));
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.stopReconnectWatch?.();
    await this.resyncing;
    this.subscription?.unsubscribe();
  }

  /** A heartbeat of this agent arrived now (its store write may still be queued). */
  heardFrom(agentId: string, at = Date.now()): void {
    if (this.index.get(agentId)) this.heard.set(agentId, at);
  }

  get size(): number {
    return this.index.size;
  }

  get(agentId: string): AgentRecord | undefined {
    return this.index.get(agentId);
  }

  /** Every agent this view holds. */
  all(): AgentRecord[] {
    return [...this.index.values()];
  }

  /**
   * Agents whose last heartbeat is older than `cutoffMs` and that are not failed or offline already, by this
   * view; none while this instance has not been hearing heartbeats since `cutoffMs`.
   */
  silentSince(cutoffMs: number): AgentRecord[] {
    const silent: AgentRecord[] = [];
    // Heartbeats sent before this instance could hear them (it was down, or cut off from NATS) prove nothing.
    if (cutoffMs < this.hearingSince) return silent;
    for (const agent of this.index.values()) {
      if (agent.state === 'failed' || agent.state === 'offline') continue;
      if ((this.heard.get(agent.id) ?? 0) >= cutoffMs) continue;
      if (agent.lastHeartbeat !== undefined && Date.parse(agent.lastHeartbeat) < cutoffMs) silent.push(agent);
    }
    return silent;
  }

  findCandidates(task: HandoffTask, now: number, options: SearchOptions): CandidateSearch {
    return this.index.findCandidates(task, now, options);
  }

  /** A record this instance just wrote: held here and announced to the other instances. */
  changed(agent: AgentRecord | null | undefined): void {
    if (!agent) return;
    this.apply(agent);
    this.announce({ agent });
  }

  removed(agentId: string): void {
    this.forget(agentId);
    this.announce({ removed: agentId });
  }

  private announce(change: DirectoryChange): void {
    if (!this.store.durable || this.watched) return;
    try {
      this.nats.nc.publish(this.subject(this.origin), encoder.encode(JSON.stringify(change)));
    } catch (err) {
      // Closed or draining connection: the other instances catch up at their next resync.
      this.logger.warn({ err }, 'directory change not announced');
    }
  }

  /** Keeps the record unless a newer revision of it is held already. */
  private apply(agent: AgentRecord): void {
    const held = this.index.get(agent.id);
    if (held && (held.revision ?? 0) > (agent.revision ?? 0)) return;
    this.index.upsert(agent);
    this.changesDuringReload?.set(agent.id, agent);
  }

  private forget(agentId: string): void {
    this.index.remove(agentId);
    this.heard.delete(agentId);
    this.changesDuringReload?.set(agentId, null);
  }

  /** Reads every agent from the store into a fresh index, then swaps it in; changes seen meanwhile are replayed on it. */
  async reload(): Promise<void> {
    const fresh = new AgentIndex<AgentRecord>();
    const changes = (this.changesDuringReload = new Map());
    try {
      for await (const page of this.store.allAgents(1000)) for (const agent of page) fresh.upsert(agent);
      for (const [id, agent] of changes) {
        if (agent === null) {
          fresh.remove(id);
          continue;
        }
        const read = fresh.get(id);
        if (!read || (read.revision ?? 0) < (agent.revision ?? 0)) fresh.upsert(agent);
      }
      this.index = fresh;
    } finally {
      this.changesDuringReload = undefined;
    }
  }
}
