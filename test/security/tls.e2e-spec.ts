// NATS over TLS only: the spec makes its own CA and server certificate with the openssl CLI, starts the
// secure server with them, and connects with credentials over TLS; a plain or untrusting client is refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, credsAuthenticator } from 'nats';
import { subjectsFor } from '@ossa/contracts';
import { NatsConnectionService } from '@ossa/messaging';
import { startSecureServer, uniquePrefix, type SecureServer } from '@ossa/testing';

jest.setTimeout(60_000);

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it (P-256 keys: quick to make). */
function makeCertificates(dir: string, name: string): { caFile: string; certFile: string; keyFile: string } {
  const f = (n: string) => path.join(dir, `${name}-${n}`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
      '-days',
      '1',
      '-subj',
      `/CN=${name} test CA`,
    ],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1'],
    { stdio: 'ignore' },
  );
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      f('server.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f('server.pem'),
      '-days',
      '1',
      '-extfile',
      f('san.ext'),
    ],
    { stdio: 'ignore' },
  );
  return { caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}

describe('NATS over TLS with credentials', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossa-tls-'));
  const prefix = uniquePrefix('tls').replace(/-/g, '_');
  let server: SecureServer;
  let tls: { caFile: string; certFile: string; keyFile: string };

  beforeAll(async () => {
    tls = makeCertificates(dir, 'ossa');
    server = await startSecureServer(prefix, { tls });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects a service with credentials over TLS, trusting only the CA it is given', async () => {
    expect(server.url.startsWith('tls://')).toBe(true);
    const creds = await server.creds('service', 'registry');
    const nats = await NatsConnectionService.connect({
      url: server.url,
      name: 'tls-spec',
      subjects: subjectsFor(prefix),
      credsFile: creds.file,
      tls: { caFile: tls.caFile },
    });
    try {
      expect(nats.nc.info?.tls_required).toBe(true);
      await expect(nats.jsm.getAccountInfo()).resolves.toMatchObject({ streams: 0 });
    } finally {
      await nats.drain();
    }
  });

  it('refuses a client that will not speak TLS, one that does not trust the CA, and TLS without credentials', async () => {
    const creds = await server.creds('agent', 'A');
    const authenticator = credsAuthenticator(new TextEncoder().encode(creds.creds));
    const plainUrl = server.url.replace('tls://', 'nats://');
    // nats.js upgrades to TLS when the server requires it, so a plain client is one that forbids the upgrade.
    await expect(
      connect({ servers: plainUrl, authenticator, tls: null, timeout: 3000, maxReconnectAttempts: 0 }),
    ).rejects.toThrow(/tls/i);
    const other = makeCertificates(dir, 'other');
    await expect(
      connect({
        servers: server.url,
        authenticator,
        tls: { caFile: other.caFile },
        timeout: 3000,
        maxReconnectAttempts: 0,
      }),
    ).rejects.toThrow();
    await expect(
      connect({ servers: server.url, tls: { caFile: tls.caFile }, timeout: 3000, maxReconnectAttempts: 0 }),
    ).rejects.toThrow(/Authorization Violation/i);
  });
});
