export * from './harness';
export * from './child-service';
export { natsServerBinary, startTestServers, tcpAnswers, waitForPort, type TestServers } from './servers';
export { mongoUrlOrWarn, requireOrSkip, underCi } from './mongo';
export * from './consensus-cluster';
export * from './ledger-cluster';
export * from './suite';
export { startSecureServer, freePort, type SecureServer } from './secure-server';
export { seedRequest, stakeholder } from './decision-request';
