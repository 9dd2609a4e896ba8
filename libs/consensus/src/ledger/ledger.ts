// The coordination ledger: a key-value store with compare-and-set and client sessions, applied in log order.
import type { LedgerCommand, LedgerResult, LedgerSession } from './types';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(cmd: LedgerCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

export function decodeCommand(data: Uint8Array): LedgerCommand {
  return JSON.parse(decoder.decode(data)) as LedgerCommand;
}

/** Answers one session keeps for a client with many requests in flight (its window, in requests). */
export const MAX_ANSWERS_PER_SESSION = 4096;

export interface LedgerOptions {
  /** Sessions kept before the least recently used one is evicted. */
  maxSessions?: number;
  /** Ids of evicted sessions remembered so their requests get an explicit expiry. Default 10 × maxSessions. */
  maxExpiredSessions?: number;
  /** Deliberate bug for the simulator: apply retried requests again instead of answering from the session. */
  testingIgnoreSessions?: boolean;
}

export class Ledger {
  private kv = new Map<string, string>();
  private sessions = new Map<string, LedgerSession>();
  /** Client ids whose session was evicted (oldest first): a request on one would risk a second application. */
  private expired = new Set<string>();
  private readonly maxSessions: number;
  private readonly maxExpired: number;
  private readonly ignoreSessions: boolean;
  appliedIndex = 0;

  constructor(options: LedgerOptions = {}) {
    this.maxSessions = options.maxSessions ?? 10_000;
    this.maxExpired = options.maxExpiredSessions ?? this.maxSessions * 10;
    this.ignoreSessions = options.testingIgnoreSessions === true;
  }

  get(key: string): string | null {
    return this.kv.get(key) ?? null;
  }

  size(): number {
    return this.kv.size;
  }

  /** Applies one committed command at `index`; deterministic on every replica. */
  apply(cmd: LedgerCommand, index: number): LedgerResult {
    this.appliedIndex = Math.max(this.appliedIndex, index);
    const session: LedgerSession | undefined =
      cmd.clientId !== undefined && !this.ignoreSessions ? this.sessions.get(cmd.clientId) : undefined;
    // Thesis §6.3: a request on an expired session is refused, since it may already have applied once.
    if (!session && cmd.clientId !== undefined && !this.ignoreSessions && this.expired.has(cmd.clientId))
      return { applied: false, value: this.get(cmd.key), sessionExpired: true };
    if (session && cmd.requestId !== undefined) {
      if (session.requestId === cmd.requestId) return { ...session.result, duplicate: true };
      const answered = session.answers?.find(([id]) => id === cmd.requestId);
      if (answered) return { ...answered[1], duplicate: true };
      // Below the floor (or, for a one-at-a-time client, older than its last request) the client already has
      // its answer and has moved on: a late copy must not apply.
      const floor = session.floor ?? session.requestId;
      if (typeof cmd.requestId === 'number' && typeof floor === 'number' && cmd.requestId < floor) {
        return { applied: false, value: this.get(cmd.key), duplicate: true };
      }
    }
    const result = this.execute(cmd);
    if (cmd.clientId !== undefined && cmd.requestId !== undefined) {
      const next: LedgerSession = { requestId: cmd.requestId, result, lastIndex: index };
      if (typeof cmd.firstOutstanding === 'number' && typeof cmd.requestId === 'number') {
        const floor = Math.max(session?.floor ?? 0, cmd.firstOutstanding);
        const kept = (session?.answers ?? []).filter(([id]) => id >= floor);
        kept.push([cmd.requestId, result]);
        next.answers = kept.length > MAX_ANSWERS_PER_SESSION ? kept.slice(-MAX_ANSWERS_PER_SESSION) : kept;
        next.floor = floor;
      }
      this.sessions.delete(cmd.clientId);
      this.sessions.set(cmd.clientId, next);
      if (this.sessions.size > this.maxSessions) this.evictOldestSession();
    }
    return result;
  }

  private evictOldestSession(): void {
    const oldest = this.sessions.keys().next().value as string;
    this.sessions.delete(oldest);
    this.expired.add(oldest);
    if (this.expired.size > this.maxExpired)
      this.expired.delete(this.expired.values().next().value as string);
  }

  /** Applies a raw entry payload; empty payloads (leader no-ops) change nothing and return null. */
  applyEntry(data: Uint8Array, index: number): LedgerResult | null {
    this.appliedIndex = Math.max(this.appliedIndex, index);
    if (data.length === 0) return null;
    return this.apply(decodeCommand(data), index);
  }

  private execute(cmd: LedgerCommand): LedgerResult {
    const previous = this.get(cmd.key);
    switch (cmd.op) {
      case 'put':
        this.kv.set(cmd.key, cmd.value ?? '');
        return { applied: true, value: cmd.value ?? '', previous };
      case 'delete':
        this.kv.delete(cmd.key);
        return { applied: true, value: null, previous };
      case 'cas': {
        const expected = cmd.expected ?? null;
        if (previous !== expected) return { applied: false, value: previous, previous };
        if (cmd.value === undefined) this.kv.delete(cmd.key);
        else this.kv.set(cmd.key, cmd.value);
        return { applied: true, value: cmd.value ?? null, previous };
      }
      default:
        return { applied: false, value: previous, previous };
    }
  }

  /** Serialises the store and the session table; keys are sorted so equal states give equal bytes. */
  snapshot(): Uint8Array {
    const kv = [...this.kv.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sessions = [...this.sessions.entries()];
    const expired = [...this.expired];
    return encoder.encode(JSON.stringify({ appliedIndex: this.appliedIndex, kv, sessions, expired }));
  }

  static restore(data: Uint8Array, options: LedgerOptions = {}): Ledger {
    const ledger = new Ledger(options);
    if (data.length === 0) return ledger;
    const parsed = JSON.parse(decoder.decode(data)) as {
      appliedIndex: number;
      kv: [string, string][];
      sessions: [string, LedgerSession][];
      expired?: string[];
    };
    ledger.appliedIndex = parsed.appliedIndex;
    ledger.kv = new Map(parsed.kv);
    ledger.sessions = new Map(parsed.sessions);
    ledger.expired = new Set(parsed.expired ?? []);
    return ledger;
  }
}
