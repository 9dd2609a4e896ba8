import { randomUUID } from 'node:crypto';
import { auditSubject, type AuditActor, type AuditRecord } from '@ossa/security';
import type { Logger } from '@ossa/observability';
import type { Caller } from './caller';
import { NatsConnectionService } from './nats-connection';

const encoder = new TextEncoder();

export type AuditEntry = Omit<AuditRecord, 'id' | 'at' | 'recordedBy' | 'actor'> & { actor?: AuditActor };

/** The actor of a request: the caller its subject proves, else `unproven` (a plain subject, open to services and admins only in secure mode). */
export function actorOf(caller: Caller | undefined): AuditActor {
  const kinds = ['agent', 'client', 'service', 'replica', 'admin'] as const;
  const kind = kinds.find((k) => k === caller?.kind);
  return kind && caller ? { kind, id: caller.id } : { kind: 'unproven', id: 'plain-subject' };
}

/**
 * Appends coordination outcomes to the audit stream (`<prefix>.audit.<action>.<actorKind>.<actorId>`, stream
 * `<PREFIX>_AUDIT`, no deletes or purges). An audit write that fails is logged and never undoes the outcome.
 */
export class AuditPublisher {
  constructor(
    private readonly nats: NatsConnectionService,
    private readonly recordedBy: string,
    private readonly logger?: Logger,
  ) {}

  async record(entry: AuditEntry): Promise<AuditRecord | undefined> {
    const record: AuditRecord = {
      id: randomUUID(),
      at: new Date().toISOString(),
      recordedBy: this.recordedBy,
      ...entry,
      actor: entry.actor ?? { kind: 'service', id: this.recordedBy.split('/')[0] },
    };
    try {
      await this.nats.js.publish(
        auditSubject(this.nats.subjects.prefix, record.action, record.actor),
        encoder.encode(JSON.stringify(record)),
        { msgID: record.id },
      );
      return record;
    } catch (err) {
      this.logger?.error(
        { err, action: record.action, taskId: record.taskId, agentId: record.agentId },
        'audit record not written',
      );
      return undefined;
    }
  }
}
