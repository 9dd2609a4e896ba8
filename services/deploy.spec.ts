// docker-compose.yml cannot run where the tests run (a docker client, no engine): this checks it statically
// against the code. Every built image, script and file it names exists; every service's environment is a valid
// configuration that finds credentials secure-init issues; it sets what `npm run start:secure` sets; the NATS
// server runs the configuration secure-init writes; Prometheus scrapes the services where they listen.
import { getMetadataStorage } from 'class-validator';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadServiceConfig, ServiceConfig } from '@ossa/runtime';
import { SERVICE_NAMES } from '@ossa/security';
import { secureSettings } from '../scripts/secure/setup';
import { ConsensusConfig } from './consensus/src/replica/consensus-config';

type Env = Record<string, string>;
interface ComposeService {
  build?: { context: string; dockerfile: string; args?: { SERVICE?: string } };
  command?: string[];
  environment?: Env;
  volumes?: string[];
  depends_on?: Record<string, unknown>;
}

const root = path.resolve(__dirname, '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const interpolate = (env: Env = {}): Env =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v).replace(/\$\{(\w+):-([^}]*)\}/g, (_m, _name: string, fallback: string) => fallback),
    ]),
  );
const apps = Object.entries(services).filter(
  ([, s]) => s.build?.args?.SERVICE && s.build.args.SERVICE !== 'all',
);
const initEnv = interpolate(services['secure-init'].environment);
const settings = secureSettings(initEnv);
const fields = (cls: new () => object) =>
  getMetadataStorage()
    .getTargetValidationMetadatas(cls, '', true, false)
    .map((m) => m.propertyName);

describe('docker-compose.yml, checked statically', () => {
  it('builds images from files that exist, for services that exist', () => {
    const dockerfile = readFileSync(path.join(root, 'deploy/Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    expect(copied.length).toBeGreaterThan(3);
    for (const source of copied)
      expect([source, existsSync(path.join(root, source))]).toEqual([source, true]);
    for (const [name, s] of Object.entries(services).filter(([, s]) => s.build)) {
      expect([name, existsSync(path.join(root, s.build!.context, s.build!.dockerfile))]).toEqual([
        name,
        true,
      ]);
      const target = s.build!.args?.SERVICE ?? 'all';
      const entry = target === 'all' ? 'services/main.ts' : `services/${target}/src/main.ts`;
      expect([name, existsSync(path.join(root, entry))]).toEqual([name, true]);
    }
  });

  it('runs scripts that the build compiles', () => {
    for (const [name, s] of Object.entries(services).filter(([, s]) => s.command?.[0] === 'node')) {
      const source = s.command![1].replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect([name, source, existsSync(path.join(root, source))]).toEqual([name, source, true]);
    }
    expect(services.identity.command).toEqual(['node', 'dist/scripts/secure/identity.js']);
  });

  it('gives every service a valid production configuration with credentials secure-init issues', () => {
    const known = new Set([...fields(ServiceConfig), ...fields(ConsensusConfig), 'NATS_CREDS_DIR']);
    const replicas: string[] = [];
    for (const [name, s] of apps) {
      const env = interpolate(s.environment);
      for (const key of Object.keys(env)) expect([name, key, known.has(key)]).toEqual([name, key, true]);
      const service = s.build!.args!.SERVICE as Parameters<typeof loadServiceConfig>[0];
      const config = loadServiceConfig(service, env);
      expect(config.NODE_ENV).toBe('production');
      const identity = service === 'consensus' ? `replica-${env.REPLICA_ID}` : `service-${service}`;
      expect(config.NATS_CREDS).toBe(path.join(settings.dir, 'creds', `${identity}.creds`));
      if (service === 'consensus') replicas.push(env.REPLICA_ID);
      else expect(SERVICE_NAMES).toContain(service);
      expect(s.volumes).toContain(`secure:${settings.dir}:ro`);
      expect(s.depends_on).toHaveProperty('secure-init');
    }
    // secure-init issues replica credentials for CONSENSUS_PEERS (r1,r2,r3 unless set): exactly the replicas run.
    expect(replicas.sort()).toEqual([...settings.replicas].sort());
    for (const [, s] of apps.filter(([, s]) => s.build!.args!.SERVICE === 'consensus'))
      expect(s.environment!.CONSENSUS_PEERS.split(',').sort()).toEqual([...settings.replicas].sort());
  });

  it('sets what npm run start:secure sets, against the server secure-init configures', () => {
    for (const [name, s] of apps) {
      const env = interpolate(s.environment);
      expect([name, env]).toEqual([
        name,
        expect.objectContaining({
          NATS_URL: settings.url,
          NATS_CREDS_DIR: path.join(settings.dir, 'creds'),
          OSSA_PAYLOAD_KEYS_DIR: path.join(settings.dir, 'payload-keys'),
          SUBJECT_PREFIX: settings.prefix,
        }),
      ]);
    }
    expect(settings.url).toBe(`nats://nats:${settings.port}`);
    expect(settings.host).toBe('0.0.0.0');
    expect(services.nats.command?.slice(0, 2)).toEqual(['-c', path.join(settings.dir, 'nats-server.conf')]);
    // The JetStream store the configuration names is the server's own volume.
    expect(services.nats.volumes).toContain(`nats-data:${settings.storeDir}`);
    expect(services.identity.volumes).toContain(`secure:${settings.dir}`);
    expect(interpolate(services.identity.environment)).toEqual(initEnv);
  });

  it('lets Prometheus scrape every service on the port it listens on', () => {
    const prometheus = readFileSync(path.join(root, 'deploy/prometheus/prometheus.yml'), 'utf8');
    const targets = new Set([...prometheus.matchAll(/'([a-z0-9-]+:\d+)'/g)].map((m) => m[1]));
    const listening = apps.map(([name, s]) => `${name}:${s.environment!.HTTP_PORT}`);
    expect([...targets].sort()).toEqual(listening.sort());
  });
});
