import { Test } from '@nestjs/testing';
import { MAX_LEDGER_BATCH, subjectsFor, type LedgerBatchItem, type LedgerCommand } from '@ossa/contracts';
import { NatsClient, type RequestOptions } from './client/nats-client';
import { NoRespondersError, RemoteError, RequestTimeoutError } from './client/request-errors';
import { LedgerClient } from './ledger-client';

const subjects = subjectsFor('unit');

/** Stands in for the NATS client: answers each subject with a scripted function and records what was sent. */
class FakeNatsClient {
  readonly subjects = subjects;
  readonly sent: { subject: string; body: LedgerCommand & { commands?: LedgerCommand[] }; timeoutMs?: number }[] = [];
  maxPayloadBytes?: number;
  constructor(private readonly answer: (subject: string, body: LedgerCommand & { commands?: LedgerCommand[] }) => unknown) {}
  async request<T>(subject: string, body: unknown, options: RequestOptions): Promise<T> {
    this.sent.push({ subject, body: body as LedgerCommand, timeoutMs: options.timeoutMs });
    const out = this.answer(subject, body as LedgerCommand);
    if (out instanceof Error) throw out;
    return (await out) as T;
  }
}

async function ledgerWith(fake: FakeNatsClient): Promise<LedgerClient> {
  const module = await Test.createTestingModule({
    providers: [
      { provide: NatsClient, useValue: fake },
      { provide: LedgerClient, inject: [NatsClient], useFactory: (client: NatsClient) => new LedgerClient(client, 1000) },
    ],
  }).compile();
  return module.get(LedgerClient);
}

const committed = (leader: unknown) => ({ index: 7, term: 2, leader, result: { applied: true, value: 'v' } });

describe('LedgerClient', () => {
  it('proposes through the service first, then straight to the leader the reply named', async () => {
    const fake = new FakeNatsClient(() => committed('r2'));
    const ledger = await ledgerWith(fake);
    await ledger.compareAndSet('k', undefined, 'v');
    await ledger.compareAndSet('k', 'v', 'w');
    expect(fake.sent.map((s) => s.subject)).toEqual([subjects.request('consensus', 'propose'), subjects.replica('r2', 'propose')]);
  });

  it('never builds a subject from a leader id that is not a token, and falls back to the service subject', async () => {
    const fake = new FakeNatsClient(() => committed('r2 \r\nPUB evil'));
    const ledger = await ledgerWith(fake);
    await ledger.compareAndSet('k', undefined, 'v');
    await ledger.compareAndSet('k', 'v', 'w');
    expect(fake.sent.map((s) => s.subject)).toEqual([subjects.request('consensus', 'propose'), subjects.request('consensus', 'propose')]);
  });

  it('retries through the service subject when the remembered leader is gone, with the same session ids', async () => {
    let calls = 0;
    const fake = new FakeNatsClient((subject) => {
      calls++;
      if (calls === 1) return committed('r1');
      return subject === subjects.replica('r1', 'propose') ? new NoRespondersError(subject) : committed('r3');
    });
    const ledger = await ledgerWith(fake);
    await ledger.compareAndSet('a', undefined, '1');
    await ledger.compareAndSet('b', undefined, '2');
    const [, toGone, retry] = fake.sent;
    expect(toGone.subject).toBe(subjects.replica('r1', 'propose'));
    expect(retry.subject).toBe(subjects.request('consensus', 'propose'));
    expect(retry.body).toMatchObject({ clientId: toGone.body.clientId, requestId: toGone.body.requestId });
  });

  it('gives the remembered leader half the time, so a request it died with still has time on the service subject', async () => {
    let calls = 0;
    const fake = new FakeNatsClient((subject) => {
      calls++;
      if (calls === 1) return committed('r1');
      return subject === subjects.replica('r1', 'propose') ? new RequestTimeoutError(subject, 500) : committed('r2');
    });
    const ledger = await ledgerWith(fake);
    await ledger.compareAndSet('a', undefined, '1');
    expect(await ledger.compareAndSet('b', undefined, '2')).toMatchObject({ applied: true });
    const [, toLeader, retry] = fake.sent;
    expect([toLeader.subject, toLeader.timeoutMs]).toEqual([subjects.replica('r1', 'propose'), 500]);
    expect(retry.subject).toBe(subjects.request('consensus', 'propose'));
    expect(retry.timeoutMs).toBeGreaterThanOrEqual(400);
    expect(retry.body).toEqual(toLeader.body);
  });

  it('tells every command the lowest request id still unanswered (firstOutstanding)', async () => {
    const release: Array<() => void> = [];
    const fake = new FakeNatsClient(() => new Promise((resolve) => release.push(() => resolve(committed('r1')))));
    const ledger = await ledgerWith(fake);
    const nextTurn = () => new Promise((r) => setImmediate(r));
    const first = ledger.compareAndSet('a', undefined, '1');
    await nextTurn();
    const second = ledger.compareAndSet('b', undefined, '2');
    await nextTurn();
    release[1]();
    await second;
    const third = ledger.compareAndSet('c', undefined, '3');
    await nextTurn();
    expect(fake.sent.map((s) => [s.body.requestId, s.body.firstOutstanding])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    release[0]();
    release[2]();
    await Promise.all([first, third]);
    const fourth = ledger.compareAndSet('d', undefined, '4');
    await nextTurn();
    expect(fake.sent[3].body).toMatchObject({ requestId: 4, firstOutstanding: 4 });
    release[3]();
    await fourth;
  });

  describe('commands queued in one turn of the event loop go out in one request', () => {
    const batchSubject = subjects.request('consensus', 'propose.batch');
    const answerEach = (item: (c: LedgerCommand, i: number) => LedgerBatchItem) => (subject: string, body: { commands?: LedgerCommand[] } & LedgerCommand) =>
      body.commands ? { results: body.commands.map(item) } : committed('r1');

    it('one batch, each caller its own outcome, with session ids and firstOutstanding per command', async () => {
      const fake = new FakeNatsClient(
        answerEach((c, i) =>
          i === 1 ? { error: { code: 'CONSENSUS_TIMEOUT', message: 'Consensus timeout', details: [] } } : { index: 10 + i, term: 3, leader: 'r2', result: { applied: i !== 2, value: c.key } },
        ),
      );
      const ledger = await ledgerWith(fake);
      const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((k) => ledger.compareAndSet(k, undefined, 'v')));
      expect(fake.sent).toHaveLength(1);
      expect(fake.sent[0].subject).toBe(batchSubject);
      const commands = fake.sent[0].body.commands!;
      expect(commands.map((c) => [c.key, c.requestId, c.firstOutstanding])).toEqual([
        ['a', 1, 1],
        ['b', 2, 1],
        ['c', 3, 1],
      ]);
      expect(new Set(commands.map((c) => c.clientId)).size).toBe(1);
      expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { applied: true, value: 'a', index: 10 } });
      expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'CONSENSUS_TIMEOUT' } });
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(RemoteError);
      expect(outcomes[2]).toEqual({ status: 'fulfilled', value: { applied: false, value: 'c', index: 12 } });
      // The reply named the leader: the next batch goes straight to it.
      await Promise.allSettled(['d', 'e'].map((k) => ledger.compareAndSet(k, undefined, 'v')));
      expect(fake.sent[1].subject).toBe(subjects.replica('r2', 'propose.batch'));
    });

    it('sends a command answered {resend: true} again alone, with the same session ids', async () => {
      const fake = new FakeNatsClient(answerEach((c, i) => (i === 0 ? { resend: true } : { index: 5, term: 1, leader: 'r1', result: { applied: true, value: c.key } })));
      const ledger = await ledgerWith(fake);
      const [big, small] = await Promise.all([ledger.compareAndSet('big', undefined, 'v'), ledger.compareAndSet('small', undefined, 'v')]);
      expect(big).toEqual({ applied: true, value: 'v', index: 7 });
      expect(small).toMatchObject({ applied: true, value: 'small' });
      const [batch, alone] = fake.sent;
      expect(alone.subject).toBe(subjects.replica('r1', 'propose'));
      expect(alone.body).toEqual(batch.body.commands![0]);
    });

    it('sends each command alone when no replica answers batches, or the batch was refused as a whole', async () => {
      for (const refusal of [
        (subject: string) => new NoRespondersError(subject),
        (subject: string) => new RemoteError(subject, { code: 'VALIDATION_FAILED', message: 'Invalid request', details: [{ field: 'commands[1].key', message: 'too long' }] }),
      ]) {
        const fake = new FakeNatsClient((subject, body) => {
          if (body.commands) return refusal(subject);
          return body.key === 'bad' ? new RemoteError(subject, { code: 'VALIDATION_FAILED', message: 'Invalid request: key', details: [] }) : committed('r1');
        });
        const ledger = await ledgerWith(fake);
        const [good, bad] = await Promise.allSettled([ledger.compareAndSet('good', undefined, 'v'), ledger.compareAndSet('bad', undefined, 'v')]);
        expect(good).toMatchObject({ status: 'fulfilled', value: { applied: true } });
        expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'VALIDATION_FAILED' } });
        expect(fake.sent.map((s) => s.subject)).toEqual([batchSubject, subjects.request('consensus', 'propose'), subjects.request('consensus', 'propose')]);
        expect(fake.sent.slice(1).map((s) => s.body)).toEqual(fake.sent[0].body.commands);
      }
    });

    it('fails every caller of a batch that timed out as a whole, as a single request would', async () => {
      const fake = new FakeNatsClient((subject) => new RequestTimeoutError(subject, 1000));
      const ledger = await ledgerWith(fake);
      const outcomes = await Promise.allSettled([ledger.compareAndSet('a', undefined, 'v'), ledger.compareAndSet('b', undefined, 'v')]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      expect(fake.sent).toHaveLength(1);
    });

    it('keeps each request within MAX_LEDGER_BATCH commands and under max_payload', async () => {
      const fake = new FakeNatsClient(answerEach(() => ({ index: 1, term: 1, leader: 'r1', result: { applied: true, value: null } })));
      fake.maxPayloadBytes = 64 * 1024;
      const ledger = await ledgerWith(fake);
      await Promise.all(Array.from({ length: MAX_LEDGER_BATCH + 3 }, (_, i) => ledger.compareAndSet(`k${i}`, undefined, 'v')));
      expect(fake.sent.map((s) => s.body.commands?.length ?? 1)).toEqual([MAX_LEDGER_BATCH, 3]);
      fake.sent.length = 0;
      const value = 'x'.repeat(20 * 1024);
      await Promise.all(Array.from({ length: 7 }, (_, i) => ledger.compareAndSet(`big${i}`, undefined, value)));
      const sizes = fake.sent.map((s) => Buffer.byteLength(JSON.stringify(s.body)));
      expect(sizes.every((n) => n <= 64 * 1024)).toBe(true);
      expect(fake.sent.reduce((n, s) => n + (s.body.commands?.length ?? 1), 0)).toBe(7);
      expect(fake.sent.length).toBeGreaterThan(1);
    });
  });

  it('answers null for compare-and-set when no replica runs, and records say why they were not committed', async () => {
    const none = await ledgerWith(new FakeNatsClient((subject) => new NoRespondersError(subject)));
    expect(await none.compareAndSet('k', undefined, 'v')).toBeNull();
    expect(await none.record('k', 'v')).toMatchObject({ committed: false, used: null, note: 'not committed: no consensus replica is running' });
    const slow = await ledgerWith(
      new FakeNatsClient((subject) => (subject.endsWith('.status') ? { algorithm: 'raft' } : new RemoteError(subject, { code: 'CONSENSUS_TIMEOUT', message: 'Consensus timeout', details: [] }))),
    );
    expect(await slow.record('k', 'v')).toMatchObject({ committed: false, used: 'raft', note: 'not committed: Consensus timeout' });
    const silent = await ledgerWith(new FakeNatsClient((subject) => (subject.endsWith('.status') ? { algorithm: 'raft' } : new RequestTimeoutError(subject, 1000))));
    expect(await silent.record('k', 'v')).toMatchObject({ committed: false, note: 'not committed: Consensus timeout' });
  });
});
