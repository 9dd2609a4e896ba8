// How much each stakeholder's ballot weighs under each voting system.
import type { DecisionRequest, Stakeholder, VotingSystem } from '../types';

/** The decision's domains: metadata.tags, metadata.category and the criteria names. */
export function decisionDomains(request: DecisionRequest): string[] {
  const domains = new Set<string>();
  const tags = request.metadata?.tags;
  if (Array.isArray(tags)) for (const tag of tags) if (typeof tag === 'string') domains.add(tag);
  const category = request.metadata?.category;
  if (typeof category === 'string') domains.add(category);
  for (const c of request.criteria) domains.add(c.criterion);
  return [...domains].sort();
}

/** A stakeholder's relevance to the decision: their best expertise level in any of its domains (0 if none). */
export function domainExpertise(stakeholder: Stakeholder, domains: string[]): number {
  const levels = stakeholder.expertise?.domains ?? {};
  let best = 0;
  for (const d of domains) if (typeof levels[d] === 'number' && levels[d] > best) best = levels[d];
  return best;
}

/**
 * Base weight of a ballot: 1 for the unweighted systems; votingWeight (default 1) for `weighted`;
 * domain expertise x mean(credentialScore, trackRecord) (each default 1) for `expertise_weighted`;
 * trustScore for `trust_weighted` and influence for `stakeholder_weighted` (each default 0.5).
 */
export function baseWeight(system: VotingSystem, stakeholder: Stakeholder, domains: string[]): number {
  switch (system) {
    case 'weighted':
      return stakeholder.votingWeight ?? 1;
    case 'expertise_weighted': {
      const quality =
        ((stakeholder.expertise?.credentialScore ?? 1) + (stakeholder.expertise?.trackRecord ?? 1)) / 2;
      return domainExpertise(stakeholder, domains) * quality;
    }
    case 'trust_weighted':
      return stakeholder.trustScore ?? 0.5;
    case 'stakeholder_weighted':
      return stakeholder.influence ?? 0.5;
    default:
      return 1;
  }
}

/** Weights for all voters; if every one of them weighs 0 they all count equally rather than nobody counting. */
export function ballotWeights(system: VotingSystem, voters: Stakeholder[], domains: string[]): number[] {
  const weights = voters.map((s) => baseWeight(system, s, domains));
  return weights.some((w) => w > 0) ? weights : weights.map(() => 1);
}
