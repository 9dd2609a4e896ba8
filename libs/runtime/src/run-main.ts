import { startService, type RunningService } from './start-service';
import type { ServiceDefinition } from './service-definition';
import { ConfigurationError } from './config-loader';

/**
 * Entry point of `npm start` (all six services) and `npm run start:<service>` (one): starts them, prints where
 * metrics and health are served, and on SIGTERM/SIGINT drains every service before exiting.
 */
export async function runMain(definitions: ServiceDefinition[]): Promise<void> {
  const env = { ...process.env, ...(definitions.length > 1 ? { OSSA_EMBEDDED: '1' } : {}) };
  const running: RunningService[] = [];
  const shutdown = async (signal: string) => {
    process.stdout.write(`\n${signal}: draining ${running.map((s) => s.name).join(', ')}\n`);
    const timeoutMs = Math.max(...running.map((s) => s.config.SHUTDOWN_TIMEOUT_MS), 1000);
    const timer = setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${timeoutMs} ms; exiting\n`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    const results = await Promise.allSettled(running.map((s) => s.close()));
    const failed = results.filter((r) => r.status === 'rejected');
    process.exit(failed.length ? 1 : 0);
  };
  // Every promise is meant to be handled where it is made; one that is not is a bug to see at once, loudly,
  // rather than a process that dies without a word (Node's default) or goes on unnoticed.
  process.on('unhandledRejection', (reason) => {
    const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    process.stderr.write(`\n!!!!! UNHANDLED PROMISE REJECTION (a bug: please report it) !!!!!\n${text}\n\n`);
  });
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  try {
    for (const definition of definitions) running.push(await startService(definition, env));
  } catch (err) {
    const message = err instanceof ConfigurationError ? err.message : `failed to start: ${(err as Error).stack ?? err}`;
    process.stderr.write(`${message}\n`);
    await Promise.allSettled(running.map((s) => s.close()));
    process.exit(1);
  }
  const width = Math.max(...running.map((s) => s.name.length));
  const lines = running.map((s) => `  ${s.name.padEnd(width)}  metrics ${s.httpUrl}/metrics  health ${s.httpUrl}/health`);
  const first = running[0].config;
  process.stdout.write(
    `\nOSSA Coordination: ${running.length} service(s) on ${first.NATS_URL} (prefix "${first.SUBJECT_PREFIX}")` +
      `${first.MONGO_URL ? `, MongoDB ${first.MONGO_URL.replace(/\/\/[^@/]*@/, '//***@')}` : ', storage embedded'}\n${lines.join('\n')}\n\n`,
  );
}
