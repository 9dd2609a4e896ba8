import type { TestServers } from './servers';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __ossaSecure?: { stop(): Promise<void> } }).__ossaSecure?.stop();
  await (globalThis as { __ossaServers?: TestServers }).__ossaServers?.stop();
}
