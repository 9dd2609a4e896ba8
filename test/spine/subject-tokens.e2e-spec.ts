// Subjects built from replies never carry what a reply put there: a leader id with spaces or CR/LF is not
// sent to the NATS protocol line (it would end the PUB line and inject another command).
import type { Msg, NatsConnection } from 'nats';
import { subjectsFor } from '@ossa/contracts';
import { LedgerClient, NatsClient, NatsConnectionService } from '@ossa/messaging';
import { natsUrl, testConnection, uniquePrefix } from '@ossa/testing';

const encoder = new TextEncoder();

describe('subject tokens taken from replies', () => {
  const prefix = uniquePrefix('tokens');
  const subjects = subjectsFor(prefix);
  let nc: NatsConnection;
  let nats: NatsConnectionService;

  beforeAll(async () => {
    nc = await testConnection();
    nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'tokens-spec', subjects });
  });

  afterAll(async () => {
    await nats.drain();
    await nc.drain();
  });

  it.each([
    ['CR/LF and a forged command', 'r1\r\nPUB evil 1\r\nx'],
    ['a space', 'r1 evil'],
    ['a dot', 'r1.evil'],
    ['a wildcard', '>'],
  ])('ignores a leader id with %s and keeps proposing through the service subject', async (_label, leader) => {
    // A stand-in consensus service that names a hostile leader; anything sent elsewhere under the prefix is recorded.
    const seen: string[] = [];
    let index = 0;
    const answer = (msg: Msg) => msg.respond(encoder.encode(JSON.stringify({ index: ++index, term: 1, leader, result: { applied: true, value: 'v' } })));
    const all = nc.subscribe(`${prefix}.>`, { callback: (_e, msg) => seen.push(msg.subject) });
    const evil = nc.subscribe('evil', { callback: (_e, msg) => seen.push(msg.subject) });
    const propose = nc.subscribe(subjects.request('consensus', 'propose'), { callback: (_e, msg) => answer(msg) });
    await nc.flush();

    const ledger = new LedgerClient(new NatsClient(nats), 2000);
    const first = await ledger.compareAndSet('k', undefined, 'v');
    const second = await ledger.compareAndSet('k', 'v', 'w');
    await nats.nc.flush();
    await nc.flush();
    for (const s of [all, evil, propose]) s.unsubscribe();

    expect(first).toEqual({ applied: true, value: 'v', index: 1 });
    expect(second).toEqual({ applied: true, value: 'v', index: 2 });
    // Both proposals went through the service subject: the hostile id was never used as a replica subject.
    expect(seen).toEqual([subjects.request('consensus', 'propose'), subjects.request('consensus', 'propose')]);
  });

  it('still goes straight to a leader whose id is a valid token', async () => {
    const seen: string[] = [];
    const reply = (msg: Msg) => msg.respond(encoder.encode(JSON.stringify({ index: 1, term: 1, leader: 'r2', result: { applied: true, value: 'v' } })));
    const subs = [
      nc.subscribe(subjects.request('consensus', 'propose'), { callback: (_e, msg) => (seen.push(msg.subject), reply(msg)) }),
      nc.subscribe(subjects.request('consensus', 'replica.r2.propose'), { callback: (_e, msg) => (seen.push(msg.subject), reply(msg)) }),
    ];
    await nc.flush();
    const ledger = new LedgerClient(new NatsClient(nats), 2000);
    await ledger.compareAndSet('k', undefined, 'v');
    await ledger.compareAndSet('k', 'v', 'w');
    for (const s of subs) s.unsubscribe();
    expect(seen).toEqual([subjects.request('consensus', 'propose'), subjects.request('consensus', 'replica.r2.propose')]);
  });
});
