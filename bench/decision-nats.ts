// The decision service's round trip over NATS: request → validation → makeDecision → ledger → event → reply.
import { connect } from 'nats';
import { subjectsFor } from '@ossa/contracts';
import { startService } from '@ossa/runtime';
import { startTestServers } from '@ossa/testing';
import { decisionService } from '../services/decision/src/definition';
import { generateRequest, type BenchShape } from './decision.bench';

export interface NatsRow {
  shape: BenchShape;
  case: string;
  payloadBytes: number;
  runs: number;
  medianMs: number;
  p95Ms: number;
  serviceMedianMs: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function runOverNats(shapes: BenchShape[], seed: number, runs = 10): Promise<{ rows: NatsRow[]; maxPayload: number }> {
  const servers = await startTestServers();
  const prefix = `bench-decision-${process.pid}`;
  const subjects = subjectsFor(prefix);
  const service = await startService(decisionService, {
    ...process.env,
    NATS_URL: servers.natsUrl,
    SUBJECT_PREFIX: prefix,
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    MAX_PAYLOAD_BYTES: String(8 * 1024 * 1024),
  });
  const nc = await connect({ servers: servers.natsUrl });
  const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
  const rows: NatsRow[] = [];
  try {
    for (const shape of shapes) {
      for (const [name, votingSystem, method] of [['borda + weighted_sum', 'borda', 'weighted_sum'], ['condorcet + topsis', 'condorcet', 'topsis']] as const) {
        const request = { ...generateRequest(shape, seed, votingSystem, method, true), deadline: new Date(Date.now() + 86_400_000).toISOString() };
        const body = encoder.encode(JSON.stringify(request));
        if (body.byteLength > maxPayload) {
          process.stdout.write(`skipped ${name} at ${shape.stakeholders}x${shape.alternatives}x${shape.criteria}: ${body.byteLength} bytes exceeds the NATS server's max_payload ${maxPayload}\n`);
          continue;
        }
        const times: number[] = [];
        const inService: number[] = [];
        for (let i = 0; i < runs + 2; i++) {
          const t0 = performance.now();
          const reply = JSON.parse(decoder.decode((await nc.request(subjects.request('decision', 'make'), body, { timeout: 30_000 })).data));
          if (reply.error) throw new Error(JSON.stringify(reply.error).slice(0, 500));
          if (i >= 2) {
            times.push(performance.now() - t0);
            inService.push(reply.durationMs);
          }
        }
        times.sort((a, b) => a - b);
        inService.sort((a, b) => a - b);
        rows.push({
          shape,
          case: name,
          payloadBytes: body.byteLength,
          runs,
          medianMs: +times[Math.floor(runs / 2)].toFixed(2),
          p95Ms: +times[Math.min(runs - 1, Math.ceil(runs * 0.95) - 1)].toFixed(2),
          serviceMedianMs: +inService[Math.floor(runs / 2)].toFixed(2),
        });
      }
    }
  } finally {
    await nc.drain();
    await service.close();
    const cleanup = await connect({ servers: servers.natsUrl });
    const jsm = await cleanup.jetstreamManager();
    for (const name of Object.values(subjects.streams)) await jsm.streams.delete(name).catch(() => undefined);
    await cleanup.drain();
    await servers.stop();
  }
  return { rows, maxPayload };
}
