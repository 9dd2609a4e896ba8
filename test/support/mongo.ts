/**
 * MongoDB suites run where a MongoDB wire-protocol server was found (test/support/global-setup.ts) and say so
 * loudly when none was.
 */
export function mongoUrlOrWarn(suite: string): string | undefined {
  const url = process.env.MONGO_URL;
  if (!url) {
    process.stderr.write(`\n!!!!! SKIPPING MongoDB suite "${suite}": ${process.env.OSSA_TEST_MONGO_UNAVAILABLE ?? 'MONGO_URL not set'} !!!!!\n`);
  }
  return url;
}
