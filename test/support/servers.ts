import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot } from './repo-root';

const run = promisify(execFile);
const repoRoot = findRepoRoot();

export interface TestServers {
  natsUrl: string;
  mongoUrl?: string;
  /** Why MongoDB tests cannot run, when no server could be had. */
  mongoUnavailable?: string;
  source: { nats: string; mongo: string };
  stop(): Promise<void>;
}

export function tcpAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await tcpAnswers(host, port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Where a container runtime may listen; testcontainers is only asked when one of these exists. */
function containerRuntimeHints(): boolean {
  if (process.env.DOCKER_HOST || process.env.TESTCONTAINERS_HOST_OVERRIDE) return true;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const sockets = ['/var/run/docker.sock', '/run/docker.sock', `/run/user/${uid}/docker.sock`, `/run/user/${uid}/podman/podman.sock`, '/run/podman/podman.sock', path.join(os.homedir(), '.docker', 'run', 'docker.sock'), path.join(os.homedir(), '.testcontainers.properties')];
  return sockets.some((p) => existsSync(p));
}

async function containerRuntimeAnswers(): Promise<boolean> {
  if (process.env.OSSA_TEST_NO_CONTAINERS === '1' || !containerRuntimeHints()) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('container runtime probe timed out')), 10_000))),
    ]).finally(() => clearTimeout(timer));
    return true;
  } catch {
    return false;
  }
}

/** The nats-server binary of this machine, if it has one. */
export function natsServerBinary(): string | undefined {
  return ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p));
}

/** The machine's NATS on 127.0.0.1:4222, started with JetStream if it is down. */
async function localNats(): Promise<string> {
  const url = 'nats://127.0.0.1:4222';
  if (await tcpAnswers('127.0.0.1', 4222)) return url;
  const binary = natsServerBinary();
  if (!binary) throw new Error('NATS is not running on 127.0.0.1:4222 and no nats-server binary was found; set NATS_URL');
  const storeDir = path.join(os.tmpdir(), 'ossa-nats-store');
  mkdirSync(storeDir, { recursive: true });
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', '4222', '-js', '-sd', storeDir], { detached: true, stdio: 'ignore' });
  child.unref();
  if (!(await waitForPort('127.0.0.1', 4222, 10_000))) throw new Error(`started ${binary} but nothing answers on 127.0.0.1:4222`);
  return url;
}

/** FerretDB on SQLite, built once by scripts/ferretdb.sh into a cache directory. */
async function localMongo(): Promise<string> {
  const { stdout } = await run('bash', [path.join(repoRoot, 'scripts', 'ferretdb.sh'), 'start'], {
    cwd: repoRoot,
    timeout: 15 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim().split('\n').pop()!;
}

/**
 * Servers for the integration tests, in this order: explicit NATS_URL / MONGO_URL; else, when a container
 * runtime answers, official `nats` (JetStream on) and `mongo` images through testcontainers; else the
 * machine's NATS (started if down) and the local FerretDB.
 */
export async function startTestServers(): Promise<TestServers> {
  const stops: Array<() => Promise<unknown>> = [];
  const explicitNats = process.env.NATS_URL;
  const explicitMongo = process.env.MONGO_URL;
  const containers = (!explicitNats || !explicitMongo) && (await containerRuntimeAnswers());
  const servers: TestServers = {
    natsUrl: '',
    source: { nats: '', mongo: '' },
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };

  if (explicitNats) {
    servers.natsUrl = explicitNats;
    servers.source.nats = 'NATS_URL';
  } else if (containers) {
    const { NatsContainer } = await import('@testcontainers/nats');
    const nats = await new NatsContainer('nats:2.11').withArg('-js', '').start();
    stops.push(() => nats.stop());
    servers.natsUrl = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
    servers.source.nats = 'testcontainers nats:2.11';
  } else {
    servers.natsUrl = await localNats();
    servers.source.nats = 'local nats-server';
  }

  if (explicitMongo) {
    servers.mongoUrl = explicitMongo;
    servers.source.mongo = 'MONGO_URL';
  } else if (containers) {
    const { MongoDBContainer } = await import('@testcontainers/mongodb');
    const mongo = await new MongoDBContainer('mongo:7').start();
    stops.push(() => mongo.stop());
    servers.mongoUrl = `${mongo.getConnectionString()}?directConnection=true`;
    servers.source.mongo = 'testcontainers mongo:7';
  } else {
    try {
      servers.mongoUrl = await localMongo();
      servers.source.mongo = 'local FerretDB (scripts/ferretdb.sh)';
    } catch (err) {
      servers.mongoUnavailable = `no MongoDB wire-protocol server: ${(err as Error).message}`;
      servers.source.mongo = 'none';
    }
  }
  return servers;
}
