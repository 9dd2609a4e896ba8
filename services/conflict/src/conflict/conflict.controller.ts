import { Controller, Inject } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { createHash, randomUUID } from 'node:crypto';
import {
  analyzeDependencies,
  ConflictInputError,
  detectConflicts,
  resolveConflicts,
  type ConflictInput,
  type ResolutionPlan,
} from '@ossa/conflict';
import { ConflictDetectRequest, ConflictResolveRequest, EVENT_NAMES, OssaError, type LedgerRecord } from '@ossa/contracts';
import { actorOf, AuditPublisher, EventPublisher, LedgerClient, NatsContext, onChannel } from '@ossa/messaging';
import { ConflictMetrics } from './conflict.metrics';

export interface ResolveReply extends Omit<ResolutionPlan, 'score'> {
  resolutionId: string;
  committed: boolean;
  consensus: LedgerRecord;
  durationMs: number;
}

/** Runs the pure conflict core; maps its input errors to VALIDATION_FAILED. */
function runCore<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConflictInputError) {
      throw new OssaError('VALIDATION_FAILED', err.message, [{ field: err.details.field, message: err.message, value: err.details.value }]);
    }
    throw err;
  }
}

/** A short, stable digest of a resolution: what the ledger records and peers can compare. */
export function resolutionDigest(plan: Pick<ResolutionPlan, 'strategy' | 'order' | 'stages'>): string {
  return createHash('sha256').update(JSON.stringify([plan.strategy, plan.order, plan.stages])).digest('hex');
}

/** `ossa.conflict.detect` and `ossa.conflict.resolve`. */
@Controller()
export class ConflictController {
  constructor(
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
    @Inject(ConflictMetrics) private readonly metrics: ConflictMetrics,
    @Inject(AuditPublisher) private readonly audit: AuditPublisher,
  ) {}

  @MessagePattern(onChannel('conflictDetect'))
  detect(@Payload() request: ConflictDetectRequest) {
    const input: ConflictInput = request;
    const now = Date.now();
    return runCore(() => {
      const conflicts = detectConflicts(input, { now });
      const analysis = analyzeDependencies(input, { now });
      this.metrics.conflictsDetected(conflicts);
      return { conflicts, ...analysis };
    });
  }

  @MessagePattern(onChannel('conflictResolve'))
  async resolve(@Payload() request: ConflictResolveRequest, @Ctx() context?: NatsContext): Promise<ResolveReply> {
    const started = performance.now();
    const { algorithm, strategies, weights, ...rest } = request;
    const plan = runCore(() => resolveConflicts(rest, { now: Date.now(), strategies, weights }));
    const resolutionId = randomUUID();
    const digest = resolutionDigest(plan);
    const consensus = await this.ledger.record(
      `conflict/resolution/${resolutionId}`,
      JSON.stringify({ strategy: plan.strategy, tasks: plan.order.length, digest }),
      algorithm,
    );
    const { score: _score, ...outcome } = plan;
    const reply: ResolveReply = { resolutionId, ...outcome, committed: consensus.committed, consensus, durationMs: 0 };
    await this.events.publish(
      EVENT_NAMES.conflictResolved,
      {
        resolutionId,
        strategy: plan.strategy,
        tasks: plan.order.length,
        conflicts: plan.conflicts.map((c) => ({ kind: c.kind, tasks: c.tasks })).slice(0, 100),
        conflictCount: plan.conflicts.length,
        makespan: plan.makespan,
        criticalPath: plan.criticalPath,
        digest,
        committed: consensus.committed,
        consensus,
      },
      { id: `conflictResolved:${resolutionId}` },
    );
    await this.audit.record({
      action: 'conflictResolved',
      actor: actorOf(context?.getCaller()),
      outcome: 'ok',
      key: `conflict/resolution/${resolutionId}`,
      details: { resolutionId, strategy: plan.strategy, tasks: plan.order.length, conflictCount: plan.conflicts.length, digest, committed: consensus.committed },
    });
    reply.durationMs = Math.round((performance.now() - started) * 100) / 100;
    this.metrics.resolved(plan, reply.durationMs);
    return reply;
  }
}
