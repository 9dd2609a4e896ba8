import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { PEER_DROP_REASONS, type PeerDropReason } from '@ossa/consensus';
import { MetricsRegistry } from '@ossa/observability';

const ROLES = ['follower', 'preCandidate', 'candidate', 'leader'] as const;

@Injectable()
export class ConsensusMetrics {
  readonly proposals: Counter<'outcome'>;
  readonly commitLatency: Histogram;
  private readonly term: Gauge;
  private readonly role: Gauge<'role'>;
  private readonly logEntries: Gauge;
  private readonly commitIndex: Gauge;
  private readonly elections: Counter;
  private readonly peerDropped: Counter<'reason'>;
  private readonly peerSendFailures: Counter<'type'>;
  readonly eventsLost: Counter<'type'>;

  constructor(@Inject(MetricsRegistry) metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.proposals = new Counter({ name: 'ossa_consensus_proposals_total', help: 'Proposals by outcome (committed, timeout, rejected).', labelNames: ['outcome'], registers });
    this.commitLatency = new Histogram({
      name: 'ossa_consensus_commit_seconds',
      help: 'Time from receiving a proposal to answering it after commit and apply.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.term = new Gauge({ name: 'ossa_consensus_term', help: 'Current Raft term of this replica.', registers });
    this.role = new Gauge({ name: 'ossa_consensus_role', help: '1 for the role this replica holds.', labelNames: ['role'], registers });
    this.logEntries = new Gauge({ name: 'ossa_consensus_log_entries', help: 'Entries held in the log since the last snapshot.', registers });
    this.commitIndex = new Gauge({ name: 'ossa_consensus_commit_index', help: 'Highest committed log index.', registers });
    this.peerDropped = new Counter({ name: 'ossa_consensus_peer_messages_dropped_total', help: 'Peer messages dropped before reaching Raft, by reason.', labelNames: ['reason'], registers });
    for (const reason of PEER_DROP_REASONS) this.peerDropped.inc({ reason }, 0);
    this.peerSendFailures = new Counter({ name: 'ossa_consensus_peer_send_failures_total', help: 'Peer messages whose send failed (lost, as Raft allows), by type.', labelNames: ['type'], registers });
    this.eventsLost = new Counter({ name: 'ossa_consensus_events_lost_total', help: 'Events whose batch failed to publish twice (logged), by type.', labelNames: ['type'], registers });
    this.elections = new Counter({ name: 'ossa_consensus_leaderships_total', help: 'Times this replica became leader.', registers });
  }

  observeStatus(s: { term: number; role: string; commitIndex: number; lastLogIndex: number; firstLogIndex: number }): void {
    this.term.set(s.term);
    for (const r of ROLES) this.role.set({ role: r }, r === s.role ? 1 : 0);
    this.commitIndex.set(s.commitIndex);
    this.logEntries.set(Math.max(0, s.lastLogIndex - s.firstLogIndex + 1));
  }

  peerMessageDropped(reason: PeerDropReason): void {
    this.peerDropped.inc({ reason });
  }

  peerSendFailed(type: string): void {
    this.peerSendFailures.inc({ type });
  }

  becameLeader(): void {
    this.elections.inc();
  }
}
