import { randomUUID } from 'node:crypto';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  isErrorEnvelope,
  isSubjectToken,
  MAX_LEDGER_BATCH,
  type LedgerBatchItem,
  type LedgerBatchReply,
  type LedgerCommand,
  type LedgerProposeReply,
  type LedgerRecord,
} from '@ossa/contracts';
import type { AuditPublisher } from './audit-publisher';
import { NatsClient } from './client/nats-client';
import { MalformedReplyError, NoRespondersError, RemoteError, RequestTimeoutError } from './client/request-errors';

/** Room a batch request keeps below max_payload for `{"commands":[…]}` and the message header. */
const BATCH_HEADROOM_BYTES = 8 * 1024;

/** A command waiting for the end of this turn of the event loop, to go out with the others queued in it. */
interface Queued {
  command: LedgerCommand;
  resolve: (reply: LedgerProposeReply) => void;
  reject: (err: unknown) => void;
}

/** An upper bound of a command's JSON size in bytes (a UTF-16 unit takes at most 6 bytes, as `\uXXXX`). */
function sizeBound(command: LedgerCommand): number {
  const chars = command.key.length + (command.value?.length ?? 0) + (command.expected?.length ?? 0) + (command.clientId?.length ?? 0);
  return 160 + 6 * chars;
}

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
  /** No request id below this one is unanswered. */
  private floor = 1;
  /** Commands of this turn of the event loop, sent together once it ends. */
  private queued: Queued[] = [];

  /** A command in this client's session: the ledger applies each request id once, whatever order they commit in. */
  private command(fields: Omit<LedgerCommand, 'clientId' | 'requestId' | 'firstOutstanding'>): LedgerCommand {
    const requestId = ++this.requestId;
    this.outstanding.add(requestId);
    // The lowest unanswered id: moved up past the answered ones (amortised O(1); reading a Set's first value
    // skips its deleted head one entry at a time).
    while (this.floor < requestId && !this.outstanding.has(this.floor)) this.floor++;
    return { ...fields, clientId: this.clientId, requestId, firstOutstanding: this.floor };
  }

  constructor(
    private readonly client: NatsClient,
    private readonly timeoutMs = 5000,
    private readonly audit?: AuditPublisher,
  ) {}

  private request<T>(subject: string, body: unknown, timeoutMs: number): Promise<T> {
    return this.client.request<T>(subject, body, { timeoutMs });
  }

  private service(action: 'read' | 'status'): string {
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

  /** Writes `value` under `key` through consensus; null when no consensus replica runs. */
  async put(key: string, value: string): Promise<{ index: number } | null> {
    try {
      return { index: (await this.propose(this.command({ op: 'put', key, value }))).index };
    } catch (err) {
      if (err instanceof NoRespondersError) return null;
      throw err;
    }
  }

  /**
   * With the other commands of this turn of the event loop (one request), to the last known leader first (one
   * hop less than through a follower, which would forward it); if that replica is gone or fails, through the
   * service subject to whichever replica answers. Retrying is safe: the command keeps its (clientId,
   * requestId), and the ledger's sessions apply it once.
   */
  private async propose(command: LedgerCommand): Promise<LedgerProposeReply> {
    try {
      const reply = await this.submit(command);
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

  /**
   * Queues the command; the commands queued in one turn of the event loop (the callers sharing this client)
   * go out together in one request, one proposal round on the leader.
   */
  private submit(command: LedgerCommand): Promise<LedgerProposeReply> {
    return new Promise((resolve, reject) => {
      this.queued.push({ command, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const queued = this.queued;
    this.queued = [];
    for (const group of this.groups(queued)) void this.send(group);
  }

  /** Splits the queue into requests of at most MAX_LEDGER_BATCH commands that fit max_payload (a large command alone). */
  private groups(queued: Queued[]): Queued[][] {
    const budget = (this.client.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES) - BATCH_HEADROOM_BYTES;
    // Exact sizes only when the cheap bound says the queue might not fit in one request.
    const bounds = queued.map((q) => sizeBound(q.command));
    const sizes = bounds.reduce((a, b) => a + b, 0) <= budget ? bounds : queued.map((q) => Buffer.byteLength(JSON.stringify(q.command)) + 1);
    const groups: Queued[][] = [];
    let group: Queued[] = [];
    let bytes = 0;
    queued.forEach((q, i) => {
      if (group.length > 0 && (group.length >= MAX_LEDGER_BATCH || bytes + sizes[i] > budget)) {
        groups.push(group);
        group = [];
        bytes = 0;
      }
      group.push(q);
      bytes += sizes[i];
    });
    if (group.length > 0) groups.push(group);
    return groups;
  }

  private async send(group: Queued[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group;
      return this.proposeOnce(only.command).then(only.resolve, only.reject);
    }
    let results: LedgerBatchItem[];
    try {
      const reply = await this.viaLeader<LedgerBatchReply>('propose.batch', { commands: group.map((q) => q.command) }, (r) => r.results?.find((x) => 'result' in x)?.leader);
      if (!Array.isArray(reply?.results) || reply.results.length !== group.length)
        throw new MalformedReplyError('propose.batch', `${group.length} results expected`);
      results = reply.results;
    } catch (err) {
      // No replica knows batches (none running, or an older version), the batch was refused as a whole
      // (validation: a bad command would fail its neighbours), or the reply is unreadable: nothing of it was
      // applied twice by sending each command alone with its own session pair, and each gets its own answer.
      const alone = err instanceof NoRespondersError || err instanceof MalformedReplyError || (err instanceof RemoteError && err.code === 'VALIDATION_FAILED');
      if (!alone) return group.forEach((q) => q.reject(err));
      return group.forEach((q) => void this.proposeOnce(q.command).then(q.resolve, q.reject));
    }
    const subject = this.client.subjects.request('consensus', 'propose.batch');
    group.forEach((q, i) => {
      const item = results[i];
      if (isErrorEnvelope(item)) q.reject(new RemoteError(subject, item.error));
      else if ('result' in item && item.result) q.resolve(item);
      // Not sent back within one message ({resend: true}) or unreadable: alone, the session answers it.
      else void this.proposeOnce(q.command).then(q.resolve, q.reject);
    });
  }

  private proposeOnce(command: LedgerCommand): Promise<LedgerProposeReply> {
    return this.viaLeader<LedgerProposeReply>('propose', command, (r) => r.leader);
  }

  /**
   * To the remembered leader's own subject first; if that fails, through the service subject to any replica.
   * The first try gets half the time: a request the leader took and died with is never answered, and waiting
   * it out left no time to try again (a leader killed under load failed its in-flight callers).
   */
  private async viaLeader<T>(action: 'propose' | 'propose.batch', body: unknown, leaderOf: (reply: T) => unknown): Promise<T> {
    const started = Date.now();
    const leader = this.leader;
    if (leader !== undefined) {
      try {
        const reply = await this.request<T>(this.client.subjects.replica(leader, action), body, Math.ceil(this.timeoutMs / 2));
        this.leader = knownLeader(leaderOf(reply)) ?? leader;
        return reply;
      } catch {
        if (this.leader === leader) this.leader = undefined;
      }
    }
    const reply = await this.request<T>(this.client.subjects.request('consensus', action), body, Math.max(1, this.timeoutMs - (Date.now() - started)));
    this.leader = knownLeader(leaderOf(reply));
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
