/** True under a CI run (`CI=true`, as CI services set it), where a missing server fails a suite instead of skipping it. */
export function underCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * A suite that needs something this machine may lack (a MongoDB server, a nats-server binary): outside CI it
 * is skipped with a loud warning; under CI it fails at load, so a green run always means it ran.
 */
export function requireOrSkip(suite: string, available: boolean, why: string): boolean {
  if (available) return true;
  if (underCi()) throw new Error(`CI=true: suite "${suite}" cannot run and must not be skipped: ${why}`);
  process.stderr.write(`\n!!!!! SKIPPING suite "${suite}": ${why} !!!!!\n`);
  return false;
}

/**
 * MongoDB suites run where a MongoDB wire-protocol server was found (test/support/global-setup.ts); elsewhere
 * they skip loudly, and under CI they fail.
 */
export function mongoUrlOrWarn(suite: string): string | undefined {
  const url = process.env.MONGO_URL;
  return requireOrSkip(suite, Boolean(url), process.env.OSSA_TEST_MONGO_UNAVAILABLE ?? 'MONGO_URL not set') ? url : undefined;
}
