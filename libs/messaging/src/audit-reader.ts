import { AckPolicy, DeliverPolicy } from 'nats';
import {
  auditFilter,
  auditStreamName,
  matchesAudit,
  type AuditQuery,
  type AuditRecord,
} from '@ossa/security';
import { NatsConnectionService } from './nats-connection';

const NANOS_PER_MS = 1_000_000;
const decoder = new TextDecoder();

/**
 * Audit records matching a query, oldest first, at most `limit`. The action and actor narrow the read on
 * the server (subject filter), `since` starts it at that time; task, agent and `until` are matched here.
 */
export async function queryAudit(
  nats: NatsConnectionService,
  query: AuditQuery,
  limit = 1000,
): Promise<AuditRecord[]> {
  const stream = auditStreamName(nats.subjects.prefix);
  const info = await nats.jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    filter_subject: auditFilter(nats.subjects.prefix, query),
    inactive_threshold: 30_000 * NANOS_PER_MS,
    ...(query.since
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: query.since.toISOString() }
      : { deliver_policy: DeliverPolicy.All }),
  });
  const found: AuditRecord[] = [];
  try {
    const consumer = await nats.js.consumers.get(stream, info.name);
    let pending = info.num_pending;
    while (pending > 0 && found.length < limit) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, 256), expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        pending = m.info.pending;
        let record: AuditRecord;
        try {
          record = JSON.parse(decoder.decode(m.data)) as AuditRecord;
        } catch {
          continue;
        }
        if (query.until && Date.parse(record.at) > query.until.getTime()) return found;
        if (matchesAudit(record, query) && found.length < limit) found.push(record);
      }
      if (got === 0) break;
    }
    return found;
  } finally {
    await nats.jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
}
