// Shared by the secure CLIs: where the installation lives and how it is brought to a runnable state.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { connect, credsAuthenticator, type NatsConnection } from 'nats';
import {
  generateKeyFile,
  pushAccountJwt,
  SecureInstallation,
  serveAgentIssuance,
  SERVICE_NAMES,
  type ServerTls,
} from '@ossa/security';

export interface SecureSettings {
  dir: string;
  host: string;
  port: number;
  prefix: string;
  replicas: string[];
  tls?: ServerTls;
  /** How clients reach the server when it is not this host's port (OSSA_SECURE_NATS_URL, e.g. nats://nats:4222 in compose). */
  url?: string;
  /** JetStream store of the secure server (OSSA_SECURE_STORE_DIR); defaults inside the installation directory. */
  storeDir?: string;
}

/** Settings from the environment: OSSA_SECURE_DIR (default .secure), OSSA_SECURE_NATS_PORT (4223), SUBJECT_PREFIX. */
export function secureSettings(env: NodeJS.ProcessEnv = process.env): SecureSettings {
  const port = Number(env.OSSA_SECURE_NATS_PORT ?? 4223);
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535)
    throw new Error(`OSSA_SECURE_NATS_PORT must be a port number, not ${env.OSSA_SECURE_NATS_PORT}`);
  const tls =
    env.OSSA_SECURE_TLS_CERT && env.OSSA_SECURE_TLS_KEY && env.OSSA_SECURE_TLS_CA
      ? {
          certFile: env.OSSA_SECURE_TLS_CERT,
          keyFile: env.OSSA_SECURE_TLS_KEY,
          caFile: env.OSSA_SECURE_TLS_CA,
        }
      : undefined;
  return {
    dir: path.resolve(env.OSSA_SECURE_DIR ?? '.secure'),
    host: env.OSSA_SECURE_NATS_HOST ?? '127.0.0.1',
    port,
    prefix: env.SUBJECT_PREFIX ?? 'ossa',
    replicas: (env.CONSENSUS_PEERS ?? 'r1,r2,r3').split(',').map((s) => s.trim()),
    tls,
    url: env.OSSA_SECURE_NATS_URL || undefined,
    storeDir: env.OSSA_SECURE_STORE_DIR,
  };
}

/**
 * Generates on first use, and keeps on later runs: operator and accounts, one credentials file per service
 * and replica, the payload key directory, and the server configuration for the current port.
 */
export async function prepareInstallation(settings: SecureSettings): Promise<SecureInstallation> {
  const installation = await SecureInstallation.open(settings.dir, settings.prefix);
  // Re-issued on every start, so a change to the permission tables reaches every service and replica.
  for (const service of SERVICE_NAMES) await installation.issue('service', service);
  for (const replica of settings.replicas) await installation.issue('replica', replica);
  const keys = path.join(settings.dir, 'payload-keys');
  if (!existsSync(path.join(keys, 'active')))
    await generateKeyFile(keys, `k-${new Date().toISOString().slice(0, 10)}`);
  await writeConfig(installation, settings);
  return installation;
}

/** Rewrites the server configuration from the installation's state (after a revocation, on every start). */
export function writeConfig(installation: SecureInstallation, settings: SecureSettings): Promise<string> {
  return installation.writeServerConfig({
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    ...(settings.storeDir ? { storeDir: settings.storeDir } : {}),
  });
}

export function natsUrlOf(settings: SecureSettings): string {
  if (settings.url) return settings.url;
  return `${settings.tls ? 'tls' : 'nats'}://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${settings.port}`;
}

/**
 * The identity component: issues (and revokes) agents' credentials for the client that owns each agent id,
 * pushing revocations to the running server at once and into the generated configuration.
 */
export async function startIdentityComponent(
  installation: SecureInstallation,
  settings: SecureSettings,
): Promise<NatsConnection> {
  const url = natsUrlOf(settings);
  const tls = settings.tls ? { caFile: settings.tls.caFile } : undefined;
  const issuer = await installation.issue('admin', 'identity-issuer');
  const nc = await connect({
    servers: url,
    name: 'identity-issuer',
    authenticator: credsAuthenticator(new TextEncoder().encode(issuer.creds)),
    inboxPrefix: issuer.inboxPrefix,
    tls,
    maxReconnectAttempts: -1,
  });
  serveAgentIssuance(nc, installation, {
    prefix: settings.prefix,
    pushRevocation: async (accountJwt) => {
      const authority = await installation.issue('admin', 'authority');
      await pushAccountJwt(
        url,
        { systemCreds: await installation.systemCreds(), accountCreds: authority.creds },
        installation.state,
        accountJwt,
        tls,
      );
      await writeConfig(installation, settings);
    },
  });
  await nc.flush();
  return nc;
}
