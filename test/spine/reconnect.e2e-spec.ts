// A service's NATS connection survives its server restarting, and tells listeners when it is back (the
// registry's agent directory re-reads the store then). Runs a private nats-server on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { subjectsFor } from '@ossa/contracts';
import { NatsConnectionService } from '@ossa/messaging';
import { natsServerBinary, requireOrSkip, waitForPort } from '@ossa/testing';

jest.setTimeout(60_000);

const binary = natsServerBinary();
const describeLocal = requireOrSkip('NATS reconnect', Boolean(binary), 'needs a nats-server binary on this machine') ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describeLocal('NATS connection across a server restart', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossa-nats-reconnect-'));
  let port: number;
  let server: ChildProcess | undefined;

  const startServer = async () => {
    server = spawn(binary!, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    if (!(await waitForPort('127.0.0.1', port, 10_000))) throw new Error(`nats-server did not start on port ${port}`);
  };
  const killServer = async () => {
    const exited = new Promise((r) => server!.once('exit', r));
    server!.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    port = await freePort();
    await startServer();
  });

  afterAll(async () => {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls reconnect listeners once the server is back, and a removed listener no more', async () => {
    const nats = await NatsConnectionService.connect({ url: `nats://127.0.0.1:${port}`, name: 'reconnect-spec', subjects: subjectsFor('reconnect') });
    let removedCalls = 0;
    const remove = nats.onReconnect(() => removedCalls++);
    remove();
    const reconnected = new Promise<void>((resolve) => nats.onReconnect(resolve));
    await killServer();
    await startServer();
    await reconnected;
    // Usable again: a round trip to the restarted server.
    expect(nats.closed).toBe(false);
    expect(await nats.rtt()).toEqual(expect.any(Number));
    expect(removedCalls).toBe(0);
    await nats.drain();
  });
});
