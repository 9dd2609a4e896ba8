import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection } from 'nats';
import { subjectsFor, type ServiceName, type Subjects } from '@ossa/contracts';
import { registryBuckets } from '../../services/registry/src/agents/kv-registry.store';
import { auditStreamName } from '@ossa/security';

export const SERVICES: ServiceName[] = [
  'registry',
  'ordering',
  'consensus',
  'conflict',
  'decision',
  'transport-health',
];

/** A subject prefix of its own for each suite, so suites share one NATS server without seeing each other. */
export function uniquePrefix(suite: string): string {
  return `t-${suite}-${randomBytes(4).toString('hex')}`;
}

export function natsUrl(): string {
  const url = process.env.NATS_URL;
  if (!url)
    throw new Error('NATS_URL is not set: run integration tests through jest (test/support/global-setup.ts)');
  return url;
}

/** Environment for services under test: the suite's prefix, ephemeral HTTP ports, quiet logs. */
export function serviceEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    NATS_URL: natsUrl(),
    SUBJECT_PREFIX: prefix,
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    OSSA_EMBEDDED: '1',
    // Embedded consensus replicas keep their logs in memory in tests (the file log has its own specs).
    CONSENSUS_DATA_DIR: ':memory:',
    // With security on (OSSA_TEST_SECURE=1) each service finds its own credentials here.
    ...(process.env.NATS_CREDS_DIR ? { NATS_CREDS_DIR: process.env.NATS_CREDS_DIR } : {}),
  };
  for (const service of SERVICES) env[`${service.toUpperCase().replace(/-/g, '_')}_HTTP_PORT`] = '0';
  return { ...env, ...extra };
}

/** Resolves once `check` holds, asking every `intervalMs`; fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Credentials of the tests' own connections when the suite runs with security on (OSSA_TEST_SECURE=1). */
export function testCredsFile(): string | undefined {
  return process.env.OSSA_TEST_NATS_CREDS || undefined;
}

export async function testConnection(): Promise<NatsConnection> {
  const creds = testCredsFile();
  return connect({ servers: natsUrl(), name: 'ossa-test', ...(creds ? { authenticator: credsAuthenticator(readFileSync(creds)) } : {}) });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Core NATS request with a JSON (or raw) body; returns the decoded JSON reply. */
export async function requestJson<T = Record<string, unknown>>(
  nc: NatsConnection,
  subject: string,
  body: unknown = {},
  options: { raw?: boolean; timeoutMs?: number } = {},
): Promise<T> {
  const payload = options.raw
    ? body instanceof Uint8Array
      ? body
      : encoder.encode(String(body))
    : encoder.encode(JSON.stringify(body));
  const reply = await nc.request(subject, payload, { timeout: options.timeoutMs ?? 5000 });
  return JSON.parse(decoder.decode(reply.data)) as T;
}

/** Deletes the streams a suite's prefix created. */
export async function deleteStreams(nc: NatsConnection, subjects: Subjects): Promise<void> {
  const jsm = await nc.jetstreamManager();
  // The registry's key-value buckets (its state without MONGO_URL) are streams too: KV_<bucket>. The audit
  // stream refuses purges and message deletes, but a suite's own stream as a whole can go.
  const buckets = Object.values(registryBuckets(subjects.prefix)).map((bucket) => `KV_${bucket}`);
  for (const name of [...Object.values(subjects.streams), ...buckets, auditStreamName(subjects.prefix)]) {
    await jsm.streams.delete(name).catch(() => undefined);
  }
}

export { subjectsFor };

/** GET over a fresh connection (closed afterwards, so nothing keeps the test process alive). */
export async function httpGet(
  url: string,
): Promise<{ status: number; text: string; json<T = unknown>(): T }> {
  const res = await fetch(url, { headers: { connection: 'close' } });
  const text = await res.text();
  return { status: res.status, text, json: <T>() => JSON.parse(text) as T };
}
