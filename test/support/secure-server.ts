// A private nats-server with the generated secure configuration (operator, accounts, per-identity users),
// on a free loopback port, for the security specs and for running suites with security on.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import {
  pushAccountJwt,
  SecureInstallation,
  type IdentityKind,
  type ServerTls,
} from '../../libs/security/src/index';
import { natsServerBinary, waitForPort } from './servers';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface SecureServer {
  url: string;
  port: number;
  installation: SecureInstallation;
  /** Mints credentials for an identity; returns its creds file and inbox prefix. */
  creds(kind: IdentityKind, id: string): Promise<{ file: string; creds: string; inboxPrefix: string }>;
  /** Connects as that identity (fresh credentials), with its own inbox prefix. */
  connectAs(kind: IdentityKind, id: string, extra?: Partial<ConnectionOptions>): Promise<NatsConnection>;
  /** Revokes an identity and pushes the account update to the running server. */
  revoke(kind: IdentityKind, id: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startSecureServer(
  prefix: string,
  options: { tls?: ServerTls & { scheme?: 'tls' }; dir?: string } = {},
): Promise<SecureServer> {
  const binary = natsServerBinary();
  if (!binary) throw new Error('the security specs need a nats-server binary (/usr/sbin/nats-server)');
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'ossa-secure-'));
  const installation = await SecureInstallation.open(dir, prefix);
  const port = await freePort();
  const config = await installation.writeServerConfig({ host: '127.0.0.1', port, tls: options.tls });
  const child: ChildProcess = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  if (!(await waitForPort('127.0.0.1', port, 10_000))) {
    child.kill('SIGKILL');
    throw new Error(`secure nats-server did not start on port ${port}: ${stderr}`);
  }
  const url = `${options.tls ? 'tls' : 'nats'}://127.0.0.1:${port}`;
  const tls = options.tls ? { caFile: options.tls.caFile } : undefined;
  const encoder = new TextEncoder();
  return {
    url,
    port,
    installation,
    creds: async (kind, id) => installation.issue(kind, id),
    connectAs: async (kind, id, extra = {}) => {
      const issued = await installation.issue(kind, id);
      return connect({
        servers: url,
        name: `${kind}:${id}`,
        authenticator: credsAuthenticator(encoder.encode(issued.creds)),
        inboxPrefix: issued.inboxPrefix,
        tls,
        ...extra,
      });
    },
    revoke: async (kind, id) => {
      const { revoked, accountJwt } = await installation.revoke(kind, id);
      const authority = await installation.issue('admin', 'authority');
      await pushAccountJwt(
        url,
        { systemCreds: await installation.systemCreds(), accountCreds: authority.creds },
        installation.state,
        accountJwt,
        tls,
      );
      return revoked;
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
