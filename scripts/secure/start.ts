// `npm run start:secure`: the whole system with security on. Generates the operator, accounts and every
// service's and replica's credentials into OSSA_SECURE_DIR (.secure, git-ignored) on first use, starts a
// nats-server with that configuration on 127.0.0.1:4223 (OSSA_SECURE_NATS_PORT), then every service with
// its own credentials, and the identity component that issues agents' credentials to clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { runMain } from '@ossa/runtime';
import { ALL_SERVICES } from '../../services/all';
import { natsUrlOf, prepareInstallation, secureSettings, startIdentityComponent } from './setup';

const answers = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

async function main(): Promise<void> {
  const settings = secureSettings();
  const installation = await prepareInstallation(settings);
  const url = natsUrlOf(settings);
  let server: ChildProcess | undefined;
  if (process.env.OSSA_SECURE_EXTERNAL_NATS !== '1') {
    if (await answers('127.0.0.1', settings.port))
      throw new Error(
        `something already listens on port ${settings.port}; set OSSA_SECURE_NATS_PORT or stop it`,
      );
    const binary =
      process.env.NATS_SERVER_BIN ??
      ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) =>
        existsSync(p),
      ) ??
      'nats-server';
    mkdirSync(path.join(settings.dir, 'jetstream'), { recursive: true });
    server = spawn(binary, ['-c', installation.configFile], { stdio: ['ignore', 'inherit', 'inherit'] });
    server.on('exit', (code) => {
      process.stderr.write(`nats-server exited (${code}); stopping\n`);
      process.kill(process.pid, 'SIGTERM');
    });
    process.on('exit', () => server?.kill('SIGTERM'));
    const deadline = Date.now() + 10_000;
    while (!(await answers('127.0.0.1', settings.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server did not start on port ${settings.port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const tls = settings.tls ? { caFile: settings.tls.caFile } : undefined;
  Object.assign(process.env, {
    NATS_URL: url,
    NATS_CREDS_DIR: path.join(settings.dir, 'creds'),
    SUBJECT_PREFIX: settings.prefix,
    OSSA_PAYLOAD_KEYS_DIR: process.env.OSSA_PAYLOAD_KEYS_DIR ?? path.join(settings.dir, 'payload-keys'),
    ...(tls ? { NATS_TLS_CA: tls.caFile } : {}),
  });
  await runMain(ALL_SERVICES);
  await startIdentityComponent(installation, settings);
  process.stdout.write(
    `Secure mode: NATS ${url} (operator JWT auth, per-identity permissions), credentials in ${settings.dir}/creds\n` +
      `  mint: npm run creds -- <agent|client|admin> <id>    revoke: npm run creds -- revoke <kind> <id>\n` +
      `  audit: npm run audit -- --actor agent:<id> [--task <id>] [--since <ISO time>]\n\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`start:secure failed: ${err.message}\n`);
  process.exit(1);
});
