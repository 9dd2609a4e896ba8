// Fault profiles: each seed draws one, so some runs stress the workload under mild faults and others
// go through storms of crashes at the worst moments (the interleavings of the paper's Figure 8).
import type { NetworkFaults } from './network';
import type { Prng } from './prng';

export type PartitionKind = 'split' | 'oneWay' | 'deafLeader' | 'muteLeader' | 'isolateLeader';

export interface FaultProfile {
  /**
   * readRace: deposed leaders linger (no check-quorum), leaders crash right after answering clients, and in some
   * seeds a new leader's own entries (its no-op) are slow to spread.
   */
  /** figure8: a new leader's own entries are mostly lost while its repairs of older entries get through. */
  name: 'calm' | 'network' | 'storm' | 'readRace' | 'figure8';
  partitionKinds: PartitionKind[];
  /** Share of client operations that are reads. */
  readShare: number;
  /** Forces check-quorum off, so a leader cut off from the majority keeps believing it leads. */
  noCheckQuorum?: boolean;
  network: NetworkFaults;
  /** Per-step chance that a random replica crashes. */
  crashRate: number;
  partitionRate: number;
  partitionHealRate: number;
  /** Per-step chance that the current leader crashes (leader churn). */
  leaderCrashRate: number;
  /**
   * Chances that a leader crashes between persisting a Ready and sending it (a crash point inside the host
   * loop): for any Ready, for the first Ready of a new leader, and for a Ready that advances the commit index.
   */
  crashPoints: {
    anyReady: number;
    elected: number;
    committed: number;
    /** After applying committed entries and answering clients, before sending (the apply-before-append path). */
    applied: number;
    /** A follower after persisting, before acknowledging. */
    follower: number;
    /** A write cut short: only a prefix of the Ready's entries reaches the store, then the replica crashes. */
    torn: number;
  };
  /** Per-step chances that the leader is asked to change membership or to hand leadership over. */
  membershipRate: number;
  transferRate: number;
  /** Overrides the seed's pick of entries per AppendEntries (1: an old entry travels without the new ones). */
  maxEntriesPerMessage?: number;
}

const ALL_PARTITIONS: PartitionKind[] = ['split', 'oneWay', 'deafLeader', 'muteLeader', 'isolateLeader'];
const NO_CRASH_POINTS = { anyReady: 0, elected: 0, committed: 0, applied: 0, follower: 0, torn: 0 };

export function chooseFaultProfile(rng: Prng): FaultProfile {
  const roll = rng.next();
  if (roll < 0.15) {
    return {
      name: 'readRace',
      partitionKinds: ['isolateLeader'],
      readShare: 0.6,
      noCheckQuorum: true,
      network: {
        lossRate: rng.next() * 0.02,
        duplicateRate: 0,
        minDelay: 1,
        maxDelay: rng.range(2, 5),
        // A new leader whose own entries are slow to spread waits long for its no-op to commit: reads arriving
        // meanwhile meet the leader that does not yet know its predecessor's commits (thesis §6.4 step 1).
        ownTermEntryLossRate: rng.pick([0, 0.8]),
      },
      crashRate: 0,
      partitionRate: 0.006,
      partitionHealRate: rng.pick([0.003, 0.006]),
      leaderCrashRate: 0,
      crashPoints: { ...NO_CRASH_POINTS, applied: rng.pick([0.05, 0.15]) },
      membershipRate: 0,
      transferRate: 0,
    };
  }
  if (roll < 0.35) {
    return {
      name: 'calm',
      partitionKinds: ALL_PARTITIONS,
      readShare: 0.3,
      network: {
        lossRate: rng.next() * 0.05,
        duplicateRate: rng.next() * 0.02,
        minDelay: 1,
        maxDelay: rng.range(2, 6),
      },
      crashRate: 0.0005,
      partitionRate: 0.001,
      partitionHealRate: 0.01,
      leaderCrashRate: 0,
      crashPoints: NO_CRASH_POINTS,
      membershipRate: rng.pick([0, 0.002]),
      transferRate: rng.pick([0, 0.002]),
    };
  }
  if (roll < 0.6) {
    return {
      name: 'network',
      partitionKinds: ALL_PARTITIONS,
      readShare: 0.3,
      network: {
        lossRate: 0.05 + rng.next() * 0.35,
        duplicateRate: rng.next() * 0.1,
        minDelay: 1,
        maxDelay: rng.range(2, 15),
      },
      crashRate: 0.001,
      partitionRate: rng.pick([0.004, 0.01]),
      partitionHealRate: rng.pick([0.004, 0.01, 0.03]),
      leaderCrashRate: 0,
      crashPoints: NO_CRASH_POINTS,
      membershipRate: rng.pick([0, 0.003]),
      transferRate: rng.pick([0, 0.003]),
    };
  }
  if (roll < 0.7) return figure8(rng);
  return {
    name: 'storm',
    partitionKinds: ALL_PARTITIONS,
    readShare: 0.3,
    network: {
      lossRate: rng.next() * 0.3,
      duplicateRate: rng.next() * 0.05,
      minDelay: 1,
      maxDelay: rng.range(2, 12),
    },
    crashRate: rng.pick([0.001, 0.002, 0.004]),
    partitionRate: rng.pick([0.002, 0.004, 0.01]),
    partitionHealRate: rng.pick([0.004, 0.01, 0.03]),
    leaderCrashRate: rng.pick([0.005, 0.01, 0.02]),
    crashPoints: {
      anyReady: rng.pick([0.01, 0.05]),
      elected: rng.pick([0.2, 0.5]),
      committed: rng.pick([0.3, 0.5]),
      applied: rng.pick([0.1, 0.3]),
      follower: rng.pick([0.005, 0.02]),
      torn: rng.pick([0.005, 0.02]),
    },
    membershipRate: rng.pick([0, 0.002]),
    transferRate: rng.pick([0, 0.002]),
  };
}

/**
 * The paper's Figure 8, driven: leaders come and go (crashes, a leader cut off alone), each new leader's own
 * entries are mostly lost on the way, so uncommitted tails of different terms pile up on different replicas, and
 * a later leader repairs followers with an earlier term's entries one at a time. A leader that counts those
 * replicas to commit one (the broken commit rule) is soon gone, and a replica holding a conflicting entry of a
 * later term can win the next election. A correct leader commits only once an entry of its own term got through.
 */
function figure8(rng: Prng): FaultProfile {
  return {
    name: 'figure8',
    partitionKinds: ['isolateLeader', 'muteLeader'],
    readShare: 0.2,
    network: {
      lossRate: rng.next() * 0.05,
      duplicateRate: rng.next() * 0.02,
      minDelay: 1,
      maxDelay: rng.range(2, 6),
      ownTermEntryLossRate: rng.pick([0.9, 0.95]),
    },
    crashRate: 0,
    partitionRate: 0.003,
    partitionHealRate: 0.02,
    leaderCrashRate: rng.pick([0.01, 0.02]),
    crashPoints: NO_CRASH_POINTS,
    membershipRate: 0,
    transferRate: 0,
    maxEntriesPerMessage: 1,
  };
}
