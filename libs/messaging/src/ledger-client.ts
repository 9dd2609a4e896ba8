import { randomUUID } from 'node:crypto';
import { isErrorEnvelope, type LedgerCommand, type LedgerProposeReply, type LedgerRecord } from '@ossa/contracts';
import { NatsConnectionService } from './nats-connection';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface StatusReply {
  algorithm?: string;
  leader?: string | null;
}

function isNoResponders(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '503' || /no responders/i.test(e?.message ?? '');
}

function isTimeout(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'TIMEOUT' || /timeout/i.test(e?.message ?? '');
}

/**
 * Records coordination outcomes in the ledger of the consensus service. When no replica answers, the record
 * says so instead of failing the caller: services report `committed: false` and which algorithm was used.
 */
export class LedgerClient {
  private readonly clientId = randomUUID();
  private requestId = 0;

  constructor(
    private readonly nats: NatsConnectionService,
    private readonly timeoutMs = 5000,
  ) {}

  private async request<T>(action: string, body: unknown, timeoutMs: number): Promise<T> {
    const reply = await this.nats.nc.request(this.nats.subjects.request('consensus', action), encoder.encode(JSON.stringify(body)), {
      timeout: timeoutMs,
    });
    const parsed = JSON.parse(decoder.decode(reply.data)) as unknown;
    if (isErrorEnvelope(parsed)) throw Object.assign(new Error(parsed.error.message), { envelope: parsed });
    return parsed as T;
  }

  /**
   * Compare-and-set through consensus: `value` replaces `expected` (absent: "no value yet"; value absent:
   * delete). Resolves with whether it applied and the value now; null when no consensus replica runs.
   */
  async compareAndSet(key: string, expected: string | undefined, value: string | undefined): Promise<{ applied: boolean; value: string | null; index: number } | null> {
    const command: LedgerCommand = { op: 'cas', key, clientId: this.clientId, requestId: ++this.requestId };
    if (expected !== undefined) command.expected = expected;
    if (value !== undefined) command.value = value;
    try {
      const reply = await this.request<LedgerProposeReply>('propose', command, this.timeoutMs);
      return { applied: reply.result.applied, value: reply.result.value, index: reply.index };
    } catch (err) {
      if (isNoResponders(err)) return null;
      throw err;
    }
  }

  /** Linearizable read of one key; null when no consensus replica runs. */
  async read(key: string): Promise<string | null | undefined> {
    try {
      return (await this.request<{ value: string | null }>('read', { key }, this.timeoutMs)).value;
    } catch (err) {
      if (isNoResponders(err)) return undefined;
      throw err;
    }
  }

  /** Writes `value` under `key` and reports how (and whether) it was agreed. */
  async record(key: string, value: string, requested?: string): Promise<LedgerRecord> {
    let status: StatusReply;
    try {
      status = await this.request<StatusReply>('status', {}, Math.min(this.timeoutMs, 2000));
    } catch (err) {
      const why = isNoResponders(err) ? 'no consensus replica is running' : (err as Error).message;
      return { committed: false, requested, used: null, key, note: `not committed: ${why}` };
    }
    const used = status.algorithm ?? 'raft';
    const command: LedgerCommand = { op: 'put', key, value, clientId: this.clientId, requestId: ++this.requestId };
    try {
      const reply = await this.request<LedgerProposeReply>('propose', command, this.timeoutMs);
      const note = requested && requested !== used ? `${requested} is not running here; committed with ${used}` : undefined;
      return { committed: true, requested, used, key, index: reply.index, term: reply.term, ...(note ? { note } : {}) };
    } catch (err) {
      const why = isTimeout(err) ? 'Consensus timeout' : (err as Error).message;
      return { committed: false, requested, used, key, note: `not committed: ${why}` };
    }
  }
}
