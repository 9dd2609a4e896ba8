import { underCi } from './mongo';
import { startTestServers } from './servers';

export default async function globalSetup(): Promise<void> {
  const servers = await startTestServers();
  // Test workers are forked after this and inherit these variables.
  process.env.NATS_URL = servers.natsUrl;
  if (servers.mongoUrl) process.env.MONGO_URL = servers.mongoUrl;
  else process.env.OSSA_TEST_MONGO_UNAVAILABLE = servers.mongoUnavailable ?? 'unknown reason';
  (globalThis as { __ossaServers?: typeof servers }).__ossaServers = servers;
  if (process.env.OSSA_TEST_SECURE === '1') {
    // Loaded only when asked for: global setup runs without the @ossa/* path mapping.
    const { startSecureSuiteServer } = await import('./secure-suite');
    const secure = await startSecureSuiteServer();
    (globalThis as { __ossaSecure?: typeof secure }).__ossaSecure = secure;
    process.stderr.write(
      `\n[test servers] SECURITY ON: NATS ${secure.url} with per-identity credentials (${process.env.NATS_CREDS_DIR})\n`,
    );
  }
  process.stderr.write(
    `\n[test servers] NATS ${servers.natsUrl} (${servers.source.nats}); MongoDB ${servers.mongoUrl ?? '-'} (${servers.source.mongo})\n`,
  );
  if (servers.mongoUnavailable) {
    const fate = underCi() ? 'FAIL (CI=true: no suite may skip)' : 'BE SKIPPED';
    process.stderr.write(`\n!!!!! MongoDB TESTS WILL ${fate}: ${servers.mongoUnavailable} !!!!!\n\n`);
  }
}
