import { randomUUID } from 'node:crypto';
import { isSubjectToken, type LedgerCommand, type LedgerProposeReply, type LedgerRecord } from '@ossa/contracts';
import type { AuditPublisher } from './audit-publisher';
import { NatsClient } from './client/nats-client';
import { NoRespondersError, RemoteError, RequestTimeoutError } from './client/request-errors';

interface StatusReply {
  algorithm?: string;
  leader?: string | null;
}

/**
 * Records coordination outcomes in the ledger of the consensus service. When no replica answers, the record
 * says so instead of failing the caller: services report `committed: false` and which algorithm was used.
 */
export class LedgerClient {
  private readonly clientId = randomUUID();
  private requestId = 0;
  /** The replica that led at the last commit; proposals go straight to it instead of through any replica. */
  private leader?: string;
  /** Request ids sent and not answered yet: many callers share this client, so many are in flight at once. */
  private readonly outstanding = new Set<number>();

  /** A command in this client's session: the ledger applies each request id once, whatever order they commit in. */
  private command(fields: Omit<LedgerCommand, 'clientId' | 'requestId' | 'firstOutstanding'>): LedgerCommand {
    const requestId = ++this.requestId;
    this.outstanding.add(requestId);
    // Ids are added in increasing order and a Set keeps insertion order: the first one left is the lowest.
    const first = this.outstanding.values().next().value as number;
    return { ...fields, clientId: this.clientId, requestId, firstOutstanding: first };
  }

  constructor(
    private readonly client: NatsClient,
    private readonly timeoutMs = 5000,
    private readonly audit?: AuditPublisher,
  ) {}

  private request<T>(subject: string, body: unknown, timeoutMs: number): Promise<T> {
    return this.client.request<T>(subject, body, { timeoutMs });
  }

  private service(action: 'propose' | 'read' | 'status'): string {
    return this.client.subjects.request('consensus', action);
  }

  /**
   * Compare-and-set through consensus: `value` replaces `expected` (absent: "no value yet"; value absent:
   * delete). Resolves with whether it applied and the value now; null when no consensus replica runs.
   */
  async compareAndSet(key: string, expected: string | undefined, value: string | undefined): Promise<{ applied: boolean; value: string | null; index: number } | null> {
    const command = this.command({ op: 'cas', key, ...(expected !== undefined ? { expected } : {}), ...(value !== undefined ? { value } : {}) });
    try {
      const reply = await this.propose(command);
      return { applied: reply.result.applied, value: reply.result.value, index: reply.index };
    } catch (err) {
      if (err instanceof NoRespondersError) return null;
      throw err;
    }
  }

  /**
   * To the last known leader first (one hop less than through a follower, which would forward it); if that
   * replica is gone or fails, through the service subject to whichever replica answers. Retrying is safe:
   * the command keeps its (clientId, requestId), and the ledger's sessions apply it once.
   */
  private async propose(command: LedgerCommand): Promise<LedgerProposeReply> {
    try {
      const reply = await this.proposeOnce(command);
      // Every committed ledger write is audited by the service that made it.
      await this.audit?.record({
        action: 'ledgerWrite',
        outcome: reply.result.applied ? 'ok' : 'refused',
        key: command.key,
        details: { op: command.op, index: reply.index, term: reply.term, applied: reply.result.applied },
      });
      return reply;
    } finally {
      this.outstanding.delete(command.requestId!);
    }
  }

  private async proposeOnce(command: LedgerCommand): Promise<LedgerProposeReply> {
    const started = Date.now();
    const leader = this.leader;
    if (leader !== undefined) {
      try {
        const reply = await this.request<LedgerProposeReply>(this.client.subjects.replica(leader, 'propose'), command, this.timeoutMs);
        this.leader = knownLeader(reply.leader) ?? leader;
        return reply;
      } catch {
        if (this.leader === leader) this.leader = undefined;
      }
    }
    const reply = await this.request<LedgerProposeReply>(this.service('propose'), command, Math.max(1, this.timeoutMs - (Date.now() - started)));
    this.leader = knownLeader(reply.leader);
    return reply;
  }

  /** Linearizable read of one key; null when no consensus replica runs. */
  async read(key: string): Promise<string | null | undefined> {
    try {
      return (await this.request<{ value: string | null }>(this.service('read'), { key }, this.timeoutMs)).value;
    } catch (err) {
      if (err instanceof NoRespondersError) return undefined;
      throw err;
    }
  }

  /** Writes `value` under `key` and reports how (and whether) it was agreed. */
  async record(key: string, value: string, requested?: string): Promise<LedgerRecord> {
    let status: StatusReply;
    try {
      status = await this.request<StatusReply>(this.service('status'), {}, Math.min(this.timeoutMs, 2000));
    } catch (err) {
      const why = err instanceof NoRespondersError ? 'no consensus replica is running' : (err as Error).message;
      return { committed: false, requested, used: null, key, note: `not committed: ${why}` };
    }
    const used = status.algorithm ?? 'raft';
    const command = this.command({ op: 'put', key, value });
    try {
      const reply = await this.propose(command);
      const note = requested && requested !== used ? `${requested} is not running here; committed with ${used}` : undefined;
      return { committed: true, requested, used, key, index: reply.index, term: reply.term, ...(note ? { note } : {}) };
    } catch (err) {
      const why = err instanceof RequestTimeoutError || (err instanceof RemoteError && err.code === 'CONSENSUS_TIMEOUT') ? 'Consensus timeout' : (err as Error).message;
      return { committed: false, requested, used, key, note: `not committed: ${why}` };
    }
  }
}

/** A leader id from a reply, used only if it can stand in a subject (a reply is not trusted to be well formed). */
function knownLeader(leader: unknown): string | undefined {
  return isSubjectToken(leader) ? (leader as string) : undefined;
}
