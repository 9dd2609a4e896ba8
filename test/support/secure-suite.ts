// OSSA_TEST_SECURE=1: the integration suite runs once against a NATS server with security on. One secure
// installation serves every suite prefix (`*` in the permissions); services get their own credentials
// through NATS_CREDS_DIR, the tests' own connections an admin identity (OSSA_TEST_NATS_CREDS).
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { SERVICE_NAMES } from '../../libs/security/src/index';
import { startSecureServer, type SecureServer } from './secure-server';

export async function startSecureSuiteServer(): Promise<SecureServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossa-secure-suite-'));
  const server = await startSecureServer('*', { dir });
  for (const service of SERVICE_NAMES) await server.creds('service', service);
  // Every replica id the consensus suites use (test/consensus/raft-cluster, raft-robustness, raft-membership).
  const membership = ['a1', 'a2', 'a3', 'n1', 'n2', 'n3', 'n4', 'n5', 'j1', 'j2', 'j3', 'j4'];
  for (const id of [
    'r1',
    'r2',
    'r3',
    'r4',
    'r5',
    'a',
    'b',
    'c',
    'd',
    'e',
    'm1',
    'm2',
    'm3',
    'f1',
    'f2',
    'f3',
    'b1',
    'b2',
    'b3',
    ...membership,
  ])
    await server.creds('replica', id);
  const admin = await server.creds('admin', 'tests');
  process.env.NATS_URL = server.url;
  process.env.NATS_CREDS_DIR = path.join(dir, 'creds');
  process.env.OSSA_TEST_NATS_CREDS = admin.file;
  // The directory is the suite's own (seeds, creds, JetStream store): gone with the server.
  return {
    ...server,
    stop: () => server.stop().finally(() => rmSync(dir, { recursive: true, force: true })),
  };
}
