// Quorum over the stakeholders who cast a ballot: count, share, required roles and expertise.
import type { QuorumMissing } from './errors';
import type { QuorumReport } from './result';
import type { Quorum, Stakeholder } from './types';
import { domainExpertise } from './voting/weights';

/**
 * minimum: at least that many voters. percentage: voters / stakeholders at least that share (a value above 1
 * is read as a percentage). stakeholderTypes: each listed role has a voter. expertiseThreshold: the voters'
 * mean expertise in the decision's domains reaches it.
 */
export function checkQuorum(
  quorum: Quorum | undefined,
  stakeholders: Stakeholder[],
  voters: Stakeholder[],
  domains: string[],
): QuorumReport {
  const eligible = stakeholders.length;
  const participation = eligible > 0 ? voters.length / eligible : 0;
  const rolesPresent = [
    ...new Set(voters.map((v) => v.role).filter((r): r is string => typeof r === 'string')),
  ].sort();
  const meanExpertise =
    voters.length > 0 ? voters.reduce((s, v) => s + domainExpertise(v, domains), 0) / voters.length : 0;
  const missing: QuorumMissing[] = [];
  if (quorum?.minimum !== undefined && voters.length < quorum.minimum) {
    missing.push({
      requirement: 'minimum',
      required: quorum.minimum,
      actual: voters.length,
      message: `${voters.length} of the required ${quorum.minimum} stakeholders voted`,
    });
  }
  if (quorum?.percentage !== undefined) {
    const share = quorum.percentage > 1 ? quorum.percentage / 100 : quorum.percentage;
    if (participation + 1e-12 < share) {
      missing.push({
        requirement: 'percentage',
        required: share,
        actual: participation,
        message: `participation ${(participation * 100).toFixed(1)}% is below the required ${(share * 100).toFixed(1)}%`,
      });
    }
  }
  const absentRoles = (quorum?.stakeholderTypes ?? []).filter((role) => !rolesPresent.includes(role));
  if (absentRoles.length > 0) {
    missing.push({
      requirement: 'stakeholder_types',
      required: [...(quorum?.stakeholderTypes ?? [])],
      actual: rolesPresent,
      message: `no vote from: ${absentRoles.join(', ')}`,
    });
  }
  if (quorum?.expertiseThreshold !== undefined && meanExpertise + 1e-12 < quorum.expertiseThreshold) {
    missing.push({
      requirement: 'expertise_threshold',
      required: quorum.expertiseThreshold,
      actual: meanExpertise,
      message: `voters' mean expertise in ${domains.join(', ')} is ${meanExpertise.toFixed(2)}, below ${quorum.expertiseThreshold}`,
    });
  }
  return {
    applied: true,
    met: missing.length === 0,
    voters: voters.length,
    eligible,
    participation,
    rolesPresent,
    meanExpertise,
    missing,
  };
}

export function quorumNotApplied(stakeholders: Stakeholder[]): QuorumReport {
  return {
    applied: false,
    met: true,
    voters: 0,
    eligible: stakeholders.length,
    participation: 0,
    rolesPresent: [],
    meanExpertise: 0,
    missing: [],
  };
}
