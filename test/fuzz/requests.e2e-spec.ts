// Every request subject of a live system (all six services in one process, as `npm start` runs them) gets
// malformed bodies: fast-check JSON values, objects built from the contract's own field names, and hand-picked
// nasty shapes. Each request must be answered, none with INTERNAL, and no service may crash or reject a promise
// unhandled. Replay a failure with FUZZ_SEED=<seed printed in the failure>.
import fc from 'fast-check';
import type { NatsConnection } from 'nats';
import { CHANNELS, isErrorEnvelope, subjectsFor } from '@ossa/contracts';
import { startService, type RunningService } from '@ossa/runtime';
import { deleteStreams, serviceEnv, testConnection, uniquePrefix } from '@ossa/testing';
import { ALL_SERVICES } from '../../services/all';
import { nastyBodies } from './nasty-bodies';

jest.setTimeout(120_000);

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/** Generated bodies per subject; with the nasty ones, about 1,500 requests in all. */
const GENERATED_PER_SUBJECT = 50;
/** The run stops generating once this is spent (the nasty bodies always go). */
const TIME_BUDGET_MS = 40_000;
const REPLY_TIMEOUT_MS = 10_000;
const IN_FLIGHT = 8;

/** Field names of the contract's request DTOs: objects made of them get past the unknown-field check into the rules. */
const FIELDS = [
  'id', 'name', 'type', 'capabilities', 'state', 'currentLoad', 'maxLoad', 'trustScore', 'sla', 'metadata', 'lastHeartbeat',
  'agentId', 'agents', 'capability', 'version', 'region', 'tag', 'limit', 'cursor', 'taskId', 'outcome',
  'priority', 'requiredCapabilities', 'capabilityId', 'deadline', 'budget', 'context', 'dependencies', 'resources', 'window', 'duration',
  'tasks', 'algorithm', 'strategies', 'weights', 'op', 'key', 'value', 'expected', 'clientId', 'requestId', 'firstOutstanding', 'commands',
  'title', 'description', 'alternatives', 'criteria', 'stakeholders', 'votingSystem', 'ballots', 'collection', 'analysis', 'quorum', 'holdMs',
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function generatedBodies(count: number, seed: number): Uint8Array[] {
  const odd = fc.oneof(fc.jsonValue(), fc.constantFrom('NaN', 'Infinity', '-1', '', ' ', '\u0000', '9007199254740993', 'x'.repeat(300)), fc.double(), fc.bigInt().map(String));
  const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FIELDS) }, fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.string());
  const contractish = fc.dictionary(key, odd, { maxKeys: 8 });
  const nestedContractish = fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(odd, fc.array(contractish, { maxLength: 4 }), contractish), { maxKeys: 8 });
  const body = fc.oneof(fc.jsonValue(), contractish, nestedContractish);
  // Raw JSON text, so keys like __proto__ reach the wire as keys (an object literal would set a prototype).
  const raw = fc.oneof({ weight: 5, arbitrary: body.map((v) => JSON.stringify(v) ?? '') }, fc.string(), fc.uint8Array({ maxLength: 64 }));
  return fc.sample(raw, { numRuns: count, seed }).map((v) => (typeof v === 'string' ? encoder.encode(v) : v));
}

interface Answer {
  subject: string;
  body: string;
  outcome: 'ok' | 'error' | 'no-answer';
  code?: string;
  detail?: string;
}

function shown(body: Uint8Array): string {
  const text = decoder.decode(body.subarray(0, 200));
  return body.byteLength > 200 ? `${text}… (${body.byteLength} bytes)` : text;
}

describe('fuzzing every request subject of a live system', () => {
  const prefix = uniquePrefix('fuzz');
  const subjects = subjectsFor(prefix);
  let nc: NatsConnection;
  const running: RunningService[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    nc = await testConnection();
    const env = serviceEnv(prefix, { BID_WINDOW_MS: '50', LOG_LEVEL: 'error' });
    for (const definition of ALL_SERVICES) running.push(await startService(definition, env));
  });

  afterAll(async () => {
    await Promise.allSettled(running.map((s) => s.close()));
    await deleteStreams(nc, subjects);
    await nc.drain();
    process.off('unhandledRejection', onUnhandled);
  });

  /** Request subjects as the running services report them. */
  function requestSubjects(): string[] {
    // `{token}` stands for one subject token; the rest of an address is literal letters, digits and dots.
    const matcher = (address: string) => new RegExp(`^${[...prefix.split('.'), ...address.split('.')].map((t) => (/^\{\w+\}$/.test(t) ? '[^.]+' : t)).join('\\.')}$`);
    // Everything a service subscribes to except the contract's stream and one-way channels (Raft, announcements).
    const notRequests = Object.values(CHANNELS)
      .filter((c) => c.kind !== 'request')
      .map((c) => matcher(c.address));
    const all = new Set<string>();
    for (const service of running) for (const subject of service.subjects) if (!notRequests.some((r) => r.test(subject))) all.add(subject);
    return [...all].sort();
  }

  async function ask(subject: string, body: Uint8Array): Promise<Answer> {
    const answer: Answer = { subject, body: shown(body), outcome: 'no-answer' };
    try {
      const reply = await nc.request(subject, body, { timeout: REPLY_TIMEOUT_MS });
      const parsed = JSON.parse(decoder.decode(reply.data)) as unknown;
      if (isErrorEnvelope(parsed)) {
        answer.outcome = 'error';
        answer.code = parsed.error.code;
        answer.detail = parsed.error.message;
      } else answer.outcome = 'ok';
    } catch (err) {
      answer.detail = (err as Error).message;
    }
    return answer;
  }

  it(`answers every malformed request without INTERNAL and keeps serving (seed ${SEED})`, async () => {
    const targets = requestSubjects();
    // Every service's ping and the documented request subjects are among them (14 requests, 3 replicas × 3).
    expect(targets).toEqual(expect.arrayContaining([subjects.ping('registry'), subjects.request('registry', 'handoff.initiate'), subjects.request('decision', 'make'), subjects.request('conflict', 'resolve'), subjects.request('consensus', 'propose')]));
    expect(targets.length).toBeGreaterThanOrEqual(14 + 6 + 9);

    const started = Date.now();
    const queue: Array<{ subject: string; body: Uint8Array; nasty: boolean }> = [];
    const nasty = nastyBodies(nc.info!.max_payload);
    targets.forEach((subject, i) => {
      for (const body of nasty) queue.push({ subject, body: body.bytes, nasty: true });
      for (const body of generatedBodies(GENERATED_PER_SUBJECT, SEED + i)) queue.push({ subject, body, nasty: false });
    });
    const answers: Answer[] = [];
    let skipped = 0;
    let next = 0;
    const worker = async () => {
      while (next < queue.length) {
        const item = queue[next++];
        if (!item.nasty && Date.now() - started > TIME_BUDGET_MS) {
          skipped++;
          continue;
        }
        answers.push(await ask(item.subject, item.body));
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    const tally: Record<string, number> = {};
    for (const a of answers) tally[a.code ?? a.outcome] = (tally[a.code ?? a.outcome] ?? 0) + 1;
    process.stderr.write(`fuzz seed ${SEED}: ${answers.length} requests over ${targets.length} subjects in ${Date.now() - started} ms, ${skipped} left out by the time budget; answers ${JSON.stringify(tally)}\n`);
    const bad = answers.filter((a) => a.outcome === 'no-answer' || a.code === 'INTERNAL');
    if (bad.length > 0) process.stderr.write(`fuzz seed ${SEED}: ${bad.length} bad answers\n${JSON.stringify(bad.slice(0, 10), null, 1)}\n`);
    expect(bad).toEqual([]);
    expect(unhandled).toEqual([]);
    // Most of the run happened: the nasty bodies always, and most generated ones within the budget.
    expect(answers.length).toBeGreaterThanOrEqual(targets.length * (nasty.length + GENERATED_PER_SUBJECT / 2));
    expect(answers.length + skipped).toBe(queue.length);
    // Malformed bodies were refused as such on every subject that takes a body.
    const refused = new Set(answers.filter((a) => a.code === 'VALIDATION_FAILED').map((a) => a.subject));
    expect(refused.size).toBeGreaterThanOrEqual(targets.length - 4);

    // Still serving: every service answers its ping after the run.
    for (const service of ['registry', 'ordering', 'consensus', 'conflict', 'decision', 'transport-health'] as const) {
      const pong = await ask(subjects.ping(service), new Uint8Array());
      expect(pong).toMatchObject({ outcome: 'ok' });
    }
  });
});
