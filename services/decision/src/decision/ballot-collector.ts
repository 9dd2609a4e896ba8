import { Inject, Injectable } from '@nestjs/common';
import { BallotDto, isSubjectToken, OssaError, validateDto, type DecisionRequestDto } from '@ossa/contracts';
import { StakeholderGateway } from './stakeholder.gateway';

const encoder = new TextEncoder();

export interface CollectionReport {
  windowMs: number;
  asked: string[];
  received: string[];
  declined: string[];
  /** Asked, but no answer within the window. */
  silent: string[];
  /** No agent listens for this stakeholder. */
  absent: string[];
  /** Ids that cannot be a subject token, so cannot be asked. */
  unreachable: string[];
  rejected: { stakeholderId: string; reason: string }[];
}

/** What a stakeholder agent is asked on `<prefix>.agents.<stakeholderId>.ballot`. */
export interface BallotInvitation {
  decisionId: string;
  requestId: string;
  title: string;
  description?: string;
  votingSystem: string;
  deadline: string;
  alternatives: { id: string; name: string; description?: string; proposedBy?: string }[];
  criteria: { criterion: string; weight: number }[];
}

/**
 * Asks every stakeholder without a ballot for one, in parallel, and waits until the window (bounded by the
 * deadline) closes. An agent answers with a ballot (`ranking`, `scores`, `approve`) or `{"decline": true}`.
 */
@Injectable()
export class BallotCollector {
  constructor(@Inject(StakeholderGateway) private readonly stakeholders: StakeholderGateway) {}

  async collect(decisionId: string, request: DecisionRequestDto, windowMs: number): Promise<{ ballots: BallotDto[]; report: CollectionReport }> {
    const have = new Set((request.ballots ?? []).map((b) => b.stakeholderId));
    const wanted = request.stakeholders.map((s) => s.id).filter((id) => !have.has(id));
    const report: CollectionReport = { windowMs, asked: [], received: [], declined: [], silent: [], absent: [], unreachable: [], rejected: [] };
    const deadline = new Date(Date.now() + windowMs).toISOString();
    const invitation: BallotInvitation = {
      decisionId,
      requestId: request.id,
      title: request.title,
      description: request.description,
      votingSystem: request.votingSystem,
      deadline,
      alternatives: request.alternatives.map(({ id, name, description, proposedBy }) => ({ id, name, description, proposedBy })),
      criteria: request.criteria.map(({ criterion, weight }) => ({ criterion, weight })),
    };
    const body = encoder.encode(JSON.stringify(invitation));
    const ballots: BallotDto[] = [];
    await Promise.all(
      wanted.map(async (stakeholderId) => {
        if (!isSubjectToken(stakeholderId)) {
          report.unreachable.push(stakeholderId);
          return;
        }
        report.asked.push(stakeholderId);
        const answer = await this.stakeholders.askBallot(stakeholderId, body, windowMs);
        if (answer.kind === 'absent' || answer.kind === 'silent') {
          report[answer.kind].push(stakeholderId);
          return;
        }
        if (answer.kind === 'unreadable' || typeof answer.body !== 'object' || answer.body === null || Array.isArray(answer.body)) {
          report.rejected.push({ stakeholderId, reason: answer.kind === 'unreadable' ? answer.reason : 'the ballot must be a JSON object' });
          return;
        }
        try {
          const plain = answer.body as Record<string, unknown>;
          if (plain.decline === true) {
            report.declined.push(stakeholderId);
            return;
          }
          const ballot = validateDto(BallotDto, { castAt: new Date().toISOString(), ...plain, stakeholderId });
          ballots.push(ballot);
          report.received.push(stakeholderId);
        } catch (err) {
          const reason = err instanceof OssaError ? err.details.map((d) => `${d.field}: ${d.message}`).join('; ') : (err as Error).message;
          report.rejected.push({ stakeholderId, reason });
        }
      }),
    );
    for (const list of [report.asked, report.received, report.declined, report.silent, report.absent, report.unreachable]) list.sort();
    return { ballots, report };
  }
}
