// Fault profiles: each seed draws one, so some runs stress the workload under mild faults and others
// go through storms of crashes at the worst moments (the interleavings of the paper's Figure 8).
import type { NetworkFaults } from './network';
import type { Prng } from './prng';

export interface FaultProfile {
  name: 'calm' | 'network' | 'storm';
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
  crashPoints: { anyReady: number; elected: number; committed: number };
  /** Per-step chances that the leader is asked to change membership or to hand leadership over. */
  membershipRate: number;
  transferRate: number;
}

export function chooseFaultProfile(rng: Prng): FaultProfile {
  const roll = rng.next();
  if (roll < 0.3) {
    return {
      name: 'calm',
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
      crashPoints: { anyReady: 0, elected: 0, committed: 0 },
      membershipRate: rng.pick([0, 0.002]),
      transferRate: rng.pick([0, 0.002]),
    };
  }
  if (roll < 0.6) {
    return {
      name: 'network',
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
      crashPoints: { anyReady: 0, elected: 0, committed: 0 },
      membershipRate: rng.pick([0, 0.003]),
      transferRate: rng.pick([0, 0.003]),
    };
  }
  return {
    name: 'storm',
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
    },
    membershipRate: rng.pick([0, 0.002]),
    transferRate: rng.pick([0, 0.002]),
  };
}
