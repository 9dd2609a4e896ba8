/** The coordination outcomes that go to the audit trail. */
export const AUDIT_ACTIONS = [
  'agentRegistered',
  'agentRemoved',
  'agentFailed',
  'taskAssigned',
  'taskReassigned',
  'taskCompleted',
  'ledgerWrite',
  'conflictResolved',
  'decisionMade',
  'refused',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who caused an outcome, as proven: by the subject the server let them publish on, or the service itself. */
export interface AuditActor {
  kind: 'agent' | 'client' | 'service' | 'replica' | 'admin' | 'unproven';
  id: string;
}

export interface AuditRecord {
  id: string;
  at: string;
  action: AuditAction;
  actor: AuditActor;
  /** The service instance that recorded it (`registry/host-12-ab`). */
  recordedBy: string;
  outcome: 'ok' | 'refused' | 'failed';
  taskId?: string;
  agentId?: string;
  key?: string;
  details?: Record<string, unknown>;
}

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/** `<prefix>.audit.<action>.<actorKind>.<actorId>`: a subject filter finds one identity's records. */
export function auditSubject(prefix: string, action: AuditAction, actor: AuditActor): string {
  const id = TOKEN.test(actor.id) ? actor.id : '_';
  return `${prefix}.audit.${action}.${actor.kind}.${id}`;
}

export interface AuditQuery {
  actorKind?: string;
  actorId?: string;
  taskId?: string;
  agentId?: string;
  action?: AuditAction;
  since?: Date;
  until?: Date;
}

/** Subject filter that narrows a query on the server before the rest is matched in memory. */
export function auditFilter(prefix: string, q: AuditQuery): string {
  return `${prefix}.audit.${q.action ?? '*'}.${q.actorKind ?? '*'}.${q.actorId ?? '*'}`;
}

export function matchesAudit(record: AuditRecord, q: AuditQuery): boolean {
  const at = Date.parse(record.at);
  return (
    (q.actorKind === undefined || record.actor.kind === q.actorKind) &&
    (q.actorId === undefined || record.actor.id === q.actorId) &&
    (q.taskId === undefined || record.taskId === q.taskId) &&
    (q.agentId === undefined || record.agentId === q.agentId) &&
    (q.action === undefined || record.action === q.action) &&
    (q.since === undefined || at >= q.since.getTime()) &&
    (q.until === undefined || at <= q.until.getTime())
  );
}
