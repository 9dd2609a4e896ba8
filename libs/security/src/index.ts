// Public API of @ossa/security: payload encryption and key files, NATS identities and their permissions,
// the secure server configuration and audit records. No NestJS or NATS client import.
export * from './payload-crypto';
export * from './key-files';
export * from './permissions';
export * from './authority';
export * from './server-config';
export * from './audit';
export * from './installation';
export { pushAccountJwt } from './adapters/nats-claims';
export { serveAgentIssuance, type AgentIssuerOptions } from './adapters/agent-issuer';
