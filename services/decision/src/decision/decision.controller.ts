import { Controller, Inject } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { DecisionError, makeDecision, type DecisionResult } from '@ossa/decision';
import { DecisionRequestDto, EVENT_NAMES, OssaError, type ErrorDetail, type LedgerRecord } from '@ossa/contracts';
import { actorOf, AuditPublisher, EventPublisher, LedgerClient, NatsContext, onChannel } from '@ossa/messaging';
import { BallotCollector, type CollectionReport } from './ballot-collector';
import { assertBallotsProven } from './ballot-proof';
import { DecisionMetrics } from './decision.metrics';

export interface DecisionReply extends DecisionResult {
  decisionId: string;
  requestId: string;
  collection: CollectionReport | null;
  recorded: LedgerRecord;
  durationMs: number;
}

/** The core's typed errors as contract errors, each offending field or missing requirement named. */
function toOssaError(err: DecisionError): OssaError {
  const details: ErrorDetail[] = [];
  const d = err.details as { fields?: { path: string; message: string }[]; missing?: { requirement: string; message: string; required: unknown; actual: unknown }[] };
  for (const f of d.fields ?? []) details.push({ field: f.path, message: f.message });
  for (const m of d.missing ?? []) details.push({ field: `quorum.${m.requirement}`, message: m.message, value: { required: m.required, actual: m.actual } });
  return new OssaError(err.code, err.message, details);
}

/**
 * `ossa.decision.make`: ballots from the request (only on a trusted caller's word, see ballot-proof.ts) and, live,
 * from stakeholder agents; the outcome goes to the ledger.
 */
@Controller()
export class DecisionController {
  constructor(
    @Inject(BallotCollector) private readonly collector: BallotCollector,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
    @Inject(DecisionMetrics) private readonly metrics: DecisionMetrics,
    @Inject(AuditPublisher) private readonly audit: AuditPublisher,
  ) {}

  @MessagePattern(onChannel('decisionMake'))
  async make(@Payload() request: DecisionRequestDto, @Ctx() context?: NatsContext): Promise<DecisionReply> {
    const started = performance.now();
    const decisionId = randomUUID();
    try {
      assertBallotsProven(context?.getCaller(), request.ballots);
    } catch (err) {
      const refused = err instanceof OssaError ? err.details.map((d) => d.value) : [];
      await this.audit.record({
        action: 'refused',
        actor: actorOf(context?.getCaller()),
        outcome: 'refused',
        details: { request: 'decision.make', requestId: request.id, ballots: refused, message: (err as Error).message.slice(0, 500) },
      });
      throw err;
    }
    const { collection: collectionSpec, ...decisionRequest } = request;
    let collection: CollectionReport | null = null;
    let ballots = request.ballots ?? [];
    if (collectionSpec) {
      const untilDeadline = request.deadline ? Date.parse(request.deadline) - Date.now() : Number.POSITIVE_INFINITY;
      const windowMs = Math.max(0, Math.min(collectionSpec.windowMs, untilDeadline));
      if (windowMs > 0) {
        const collected = await this.collector.collect(decisionId, request, windowMs);
        ballots = [...ballots, ...collected.ballots];
        collection = collected.report;
      }
    }
    let result: DecisionResult;
    try {
      result = makeDecision({ ...decisionRequest, ballots }, { now: Date.now() });
    } catch (err) {
      if (err instanceof DecisionError) {
        this.metrics.failed(err.code);
        throw toOssaError(err);
      }
      throw err;
    }
    const winner = result.winningAlternative?.id ?? null;
    const recorded = await this.ledger.record(
      `decision/${request.id}/${decisionId}`,
      JSON.stringify({ outcome: result.outcome, winner, confidence: result.confidence, votingSystem: result.votingSystem }),
    );
    await this.events.publish(
      EVENT_NAMES.decisionMade,
      {
        decisionId,
        requestId: request.id,
        title: request.title,
        outcome: result.outcome,
        winningAlternative: winner,
        confidence: result.confidence,
        votingSystem: result.votingSystem,
        ranking: result.ranking.slice(0, 10),
        recorded,
      },
      { id: `decisionMade:${decisionId}` },
    );
    await this.audit.record({
      action: 'decisionMade',
      actor: actorOf(context?.getCaller()),
      outcome: 'ok',
      key: `decision/${request.id}/${decisionId}`,
      details: { decisionId, requestId: request.id, outcome: result.outcome, winningAlternative: winner, ballots: ballots.length, committed: recorded.committed },
    });
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    this.metrics.decided(result, durationMs);
    return { decisionId, requestId: request.id, ...result, collection, recorded, durationMs };
  }
}
