import { Test } from '@nestjs/testing';
import { subjectsFor, type LedgerCommand } from '@ossa/contracts';
import { NatsClient, type RequestOptions } from './client/nats-client';
import { NoRespondersError, RemoteError, RequestTimeoutError } from './client/request-errors';
import { LedgerClient } from './ledger-client';

const subjects = subjectsFor('unit');

/** Stands in for the NATS client: answers each subject with a scripted function and records what was sent. */
class FakeNatsClient {
  readonly subjects = subjects;
  readonly sent: { subject: string; body: LedgerCommand }[] = [];
  constructor(private readonly answer: (subject: string, body: LedgerCommand) => unknown) {}
  async request<T>(subject: string, body: unknown, _options: RequestOptions): Promise<T> {
    this.sent.push({ subject, body: body as LedgerCommand });
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

  it('tells every command the lowest request id still unanswered (firstOutstanding)', async () => {
    const release: Array<() => void> = [];
    const fake = new FakeNatsClient(() => new Promise((resolve) => release.push(() => resolve(committed('r1')))));
    const ledger = await ledgerWith(fake);
    const first = ledger.compareAndSet('a', undefined, '1');
    const second = ledger.compareAndSet('b', undefined, '2');
    release[1]();
    await second;
    const third = ledger.compareAndSet('c', undefined, '3');
    expect(fake.sent.map((s) => [s.body.requestId, s.body.firstOutstanding])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    release[0]();
    release[2]();
    await Promise.all([first, third]);
    const fourth = ledger.compareAndSet('d', undefined, '4');
    await new Promise((r) => setImmediate(r));
    expect(fake.sent[3].body).toMatchObject({ requestId: 4, firstOutstanding: 4 });
    release[3]();
    await fourth;
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
