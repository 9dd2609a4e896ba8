import { RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';
import type { Subjects } from '@ossa/contracts';
import { auditStreamName } from '@ossa/security';

const NANOS_PER_MS = 1_000_000;

export interface StreamSpec {
  name: string;
  subjects: string[];
  retention: RetentionPolicy;
  /** Window within which a repeated Nats-Msg-Id is dropped. */
  duplicateWindowMs: number;
  maxAgeMs: number;
  /** Messages cannot be deleted or the stream purged through the API (the audit trail). */
  appendOnly?: boolean;
}

/** The streams of the wire contract for one subject prefix. */
export function contractStreams(subjects: Subjects): StreamSpec[] {
  const day = 24 * 60 * 60 * 1000;
  return [
    { name: subjects.streams.tasks, subjects: [subjects.tasksWildcard, subjects.tasksSubmitAsWildcard], retention: RetentionPolicy.Workqueue, duplicateWindowMs: 2 * 60_000, maxAgeMs: 7 * day },
    { name: subjects.streams.events, subjects: [subjects.eventsWildcard], retention: RetentionPolicy.Limits, duplicateWindowMs: 2 * 60_000, maxAgeMs: 7 * day },
    { name: subjects.streams.deadLetters, subjects: [subjects.deadLetterWildcard], retention: RetentionPolicy.Limits, duplicateWindowMs: 2 * 60_000, maxAgeMs: 30 * day },
    { name: auditStreamName(subjects.prefix), subjects: [`${subjects.prefix}.audit.>`], retention: RetentionPolicy.Limits, duplicateWindowMs: 2 * 60_000, maxAgeMs: 400 * day, appendOnly: true },
  ];
}

export type StreamOutcome = 'created' | 'existing' | 'updated';

function isNotFound(err: unknown): boolean {
  const e = err as { code?: string; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.code === '404' || /stream not found/i.test(e?.message ?? '');
}

function isAlreadyInUse(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10058 || /already in use/i.test(e?.message ?? '');
}

/**
 * Creates each stream unless it exists. Idempotent and safe when several instances start at once: a stream
 * that exists (or that another instance creates first) is left as it is, except that subjects it lacks are added.
 */
export async function ensureStreams(jsm: JetStreamManager, specs: StreamSpec[]): Promise<Record<string, StreamOutcome>> {
  const outcome: Record<string, StreamOutcome> = {};
  for (const spec of specs) {
    try {
      const info = await jsm.streams.info(spec.name);
      // A stream made by an older version lacks subjects added since (the caller-scoped task submissions).
      const missing = spec.subjects.filter((s) => !info.config.subjects?.includes(s));
      if (missing.length > 0) {
        await jsm.streams.update(spec.name, { ...info.config, subjects: [...(info.config.subjects ?? []), ...missing] });
        outcome[spec.name] = 'updated';
      } else {
        outcome[spec.name] = 'existing';
      }
      continue;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const config: Partial<StreamConfig> = {
      name: spec.name,
      subjects: spec.subjects,
      retention: spec.retention,
      storage: StorageType.File,
      duplicate_window: spec.duplicateWindowMs * NANOS_PER_MS,
      max_age: spec.maxAgeMs * NANOS_PER_MS,
      ...(spec.appendOnly ? { deny_delete: true, deny_purge: true } : {}),
    };
    try {
      await jsm.streams.add(config);
      outcome[spec.name] = 'created';
    } catch (err) {
      if (!isAlreadyInUse(err)) throw err;
      outcome[spec.name] = 'existing';
    }
  }
  return outcome;
}
