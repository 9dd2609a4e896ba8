import { Inject, Injectable } from '@nestjs/common';
import { countLimitProblems } from '@ossa/decision';
import { BALLOT_COLLECTION_LIMITS, BallotDto, isSubjectToken, OssaError, validateDto, type DecisionRequestDto, type ErrorDetail } from '@ossa/contracts';
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
  /** The window closed (or the connection went) before their invitation was sent. */
  unasked: string[];
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

/** Refuses, before anything is sent, a collection beyond BALLOT_COLLECTION_LIMITS or the voting system's count budget. */
function checkLimits(request: DecisionRequestDto, asked: number, invitationBytes: number): void {
  const details: ErrorDetail[] = [];
  const { stakeholders, invitationBytes: maxBytes } = BALLOT_COLLECTION_LIMITS;
  if (asked > stakeholders)
    details.push({ field: 'stakeholders', constraint: 'maxCollection', message: `live collection asks at most ${stakeholders} stakeholders; ${asked} have no ballot in the request` });
  if (invitationBytes > maxBytes)
    details.push({
      field: 'collection',
      constraint: 'maxInvitationBytes',
      message: `the ballot invitation would be ${invitationBytes} bytes; the limit is ${maxBytes} (shorten description, alternatives[].name or alternatives[].description)`,
    });
  // Every asked stakeholder may answer, so the count must fit with all of them.
  for (const p of countLimitProblems(request.votingSystem, request.alternatives.length, (request.ballots?.length ?? 0) + asked, 'stakeholders'))
    details.push({ field: p.path, constraint: 'countBudget', message: `${p.message} (live collection counts one ballot per stakeholder)` });
  if (details.length > 0) throw new OssaError('VALIDATION_FAILED', `Invalid request: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`, details);
}

/**
 * Asks every stakeholder without a ballot for one and waits until the window (bounded by the deadline) closes.
 * Invitations go out in batches (BALLOT_COLLECTION_LIMITS.batch, and at most batchBytes each); before the next
 * batch the server must have taken the previous one (flush), so the client never buffers more than one batch.
 * An agent answers with a ballot (`ranking`, `scores`, `approve`) or `{"decline": true}`.
 */
@Injectable()
export class BallotCollector {
  constructor(@Inject(StakeholderGateway) private readonly stakeholders: StakeholderGateway) {}

  async collect(decisionId: string, request: DecisionRequestDto, windowMs: number): Promise<{ ballots: BallotDto[]; report: CollectionReport }> {
    const have = new Set((request.ballots ?? []).map((b) => b.stakeholderId));
    const wanted = request.stakeholders.map((s) => s.id).filter((id) => !have.has(id));
    const report: CollectionReport = { windowMs, asked: [], received: [], declined: [], silent: [], absent: [], unreachable: [], unasked: [], rejected: [] };
    const closesAt = Date.now() + windowMs;
    const invitation: BallotInvitation = {
      decisionId,
      requestId: request.id,
      title: request.title,
      description: request.description,
      votingSystem: request.votingSystem,
      deadline: new Date(closesAt).toISOString(),
      alternatives: request.alternatives.map(({ id, name, description, proposedBy }) => ({ id, name, description, proposedBy })),
      criteria: request.criteria.map(({ criterion, weight }) => ({ criterion, weight })),
    };
    const body = encoder.encode(JSON.stringify(invitation));
    checkLimits(request, wanted.length, body.byteLength);
    const ballots: BallotDto[] = [];
    const ask = async (stakeholderId: string, timeoutMs: number) => {
      report.asked.push(stakeholderId);
      let answer;
      try {
        answer = await this.stakeholders.askBallot(stakeholderId, body, timeoutMs);
      } catch (err) {
        report.rejected.push({ stakeholderId, reason: `not asked through: ${(err as Error).message}` });
        return;
      }
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
    };
    const reachable = wanted.filter((id) => isSubjectToken(id));
    report.unreachable.push(...wanted.filter((id) => !isSubjectToken(id)));
    const { batch, batchBytes } = BALLOT_COLLECTION_LIMITS;
    const perBatch = Math.max(1, Math.min(batch, Math.floor(batchBytes / Math.max(1, body.byteLength))));
    const pending: Promise<void>[] = [];
    let next = 0;
    while (next < reachable.length) {
      const left = closesAt - Date.now();
      if (left <= 0) break;
      for (const id of reachable.slice(next, next + perBatch)) pending.push(ask(id, left));
      next += perBatch;
      try {
        await this.stakeholders.flush();
      } catch {
        break; // the connection is closing: the rest cannot be asked
      }
    }
    report.unasked.push(...reachable.slice(next));
    await Promise.all(pending);
    for (const list of [report.asked, report.received, report.declined, report.silent, report.absent, report.unreachable, report.unasked]) list.sort();
    return { ballots, report };
  }
}
