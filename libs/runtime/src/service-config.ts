import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { hostname } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEFAULT_MAX_PAYLOAD_BYTES, SUBJECT_PREFIX_PATTERN, type ServiceName } from '@ossa/contracts';
import { loadConfig } from './config-loader';

export const DEFAULT_HTTP_PORTS: Record<ServiceName, number> = {
  registry: 8081,
  ordering: 8082,
  consensus: 8083,
  conflict: 8084,
  decision: 8085,
  'transport-health': 8086,
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings every service reads from its environment; validated before anything starts. */
export class ServiceConfig {
  @Matches(/^(nats|tls|ws|wss):\/\/[^\s,]+(,(nats|tls|ws|wss):\/\/[^\s,]+)*$/, {
    message: 'NATS_URL must be one or more comma-separated nats:// (or tls://) URLs',
  })
  NATS_URL!: string;

  @Matches(SUBJECT_PREFIX_PATTERN, {
    message: 'SUBJECT_PREFIX must be dot-separated subject tokens (letters, digits, _ and -)',
  })
  SUBJECT_PREFIX!: string;

  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, { message: 'MONGO_URL must be a mongodb:// or mongodb+srv:// URL' })
  MONGO_URL?: string;

  @Matches(/^[A-Za-z0-9_]+$/, { message: 'MONGO_DB_PREFIX must be letters, digits and _' })
  MONGO_DB_PREFIX!: string;

  @IsInt({ message: 'HTTP_PORT must be an integer' })
  @Min(0)
  @Max(65535)
  HTTP_PORT!: number;

  @IsString()
  HTTP_HOST!: string;

  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'INSTANCE_ID must be 1-64 letters, digits, _ . or -' })
  INSTANCE_ID!: string;

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL!: (typeof LOG_LEVELS)[number];

  @IsInt({ message: 'MAX_PAYLOAD_BYTES must be an integer' })
  @Min(64)
  @Max(8 * 1024 * 1024)
  MAX_PAYLOAD_BYTES!: number;

  @IsInt({ message: 'SHUTDOWN_TIMEOUT_MS must be an integer' })
  @Min(0)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS!: number;

  /** NATS credentials file (user JWT and nkey seed) proving this instance's identity. */
  @IsOptional()
  @IsString()
  NATS_CREDS?: string;

  @IsOptional()
  @IsString()
  NATS_TLS_CA?: string;

  @IsOptional()
  @IsString()
  NATS_TLS_CERT?: string;

  @IsOptional()
  @IsString()
  NATS_TLS_KEY?: string;

  /** Replies come back under this prefix; with credentials it defaults to the identity's own (`_INBOX.<kind>.<id>`). */
  @IsOptional()
  @Matches(/^_INBOX(\.[A-Za-z0-9_-]+)*$/, {
    message: 'NATS_INBOX_PREFIX must be _INBOX followed by subject tokens',
  })
  NATS_INBOX_PREFIX?: string;

  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  /** Directory of payload keys (`<keyId>.key`, `active`) for confidential payloads; a mounted secret works. */
  @IsOptional()
  @IsString()
  OSSA_PAYLOAD_KEYS_DIR?: string;
}

/** `NATS_CREDS_DIR` holds one creds file per identity: `replica-<id>.creds` for consensus, `service-<name>.creds` otherwise. */
function credsFromDirectory(
  service: ServiceName,
  dir: string | undefined,
  replicaId: string | undefined,
): string | undefined {
  if (!dir) return undefined;
  return path.join(
    dir,
    service === 'consensus' ? `replica-${replicaId ?? 'r1'}.creds` : `service-${service}.creds`,
  );
}

/** Production refuses to run unauthenticated; a client certificate needs its key. */
function securityProblems(config: ServiceConfig): { variable: string; value: unknown; message: string }[] {
  const problems = [];
  if (config.NODE_ENV === 'production' && !config.NATS_CREDS) {
    problems.push({
      variable: 'NATS_CREDS',
      value: undefined,
      message: 'production (NODE_ENV=production) refuses to start without NATS credentials',
    });
  }
  if (Boolean(config.NATS_TLS_CERT) !== Boolean(config.NATS_TLS_KEY)) {
    problems.push({
      variable: config.NATS_TLS_CERT ? 'NATS_TLS_KEY' : 'NATS_TLS_CERT',
      value: undefined,
      message: 'a client certificate needs both NATS_TLS_CERT and NATS_TLS_KEY',
    });
  }
  return problems;
}

function envKey(service: ServiceName): string {
  return service.toUpperCase().replace(/-/g, '_');
}

/**
 * Reads a service's configuration. A per-service variable (`REGISTRY_HTTP_PORT`, `TRANSPORT_HEALTH_INSTANCE_ID`,
 * ...) wins over the shared one, so one process can run all six services on distinct ports.
 */
export function loadServiceConfig(
  service: ServiceName,
  env: Record<string, string | undefined> = process.env,
): ServiceConfig {
  const scope = envKey(service);
  const prefix = [env[`${scope}_SUBJECT_PREFIX`], env.SUBJECT_PREFIX].find((v) => v) ?? 'ossa';
  return loadConfig(
    ServiceConfig,
    {
      service,
      scope,
      defaults: {
        NATS_URL: 'nats://127.0.0.1:4222',
        SUBJECT_PREFIX: 'ossa',
        MONGO_URL: undefined,
        MONGO_DB_PREFIX: prefix.replace(/[^A-Za-z0-9_]/g, '_'),
        HTTP_PORT: String(DEFAULT_HTTP_PORTS[service]),
        HTTP_HOST: '0.0.0.0',
        INSTANCE_ID: `${hostname().slice(0, 40)}-${process.pid}-${randomBytes(2).toString('hex')}`,
        LOG_LEVEL: 'info',
        MAX_PAYLOAD_BYTES: String(DEFAULT_MAX_PAYLOAD_BYTES),
        SHUTDOWN_TIMEOUT_MS: '10000',
        NATS_CREDS: credsFromDirectory(
          service,
          [env[`${scope}_NATS_CREDS_DIR`], env.NATS_CREDS_DIR].find((v) => v),
          env.REPLICA_ID,
        ),
        NATS_TLS_CA: undefined,
        NATS_TLS_CERT: undefined,
        NATS_TLS_KEY: undefined,
        NATS_INBOX_PREFIX: undefined,
        NODE_ENV: undefined,
        OSSA_PAYLOAD_KEYS_DIR: undefined,
      },
      check: securityProblems,
    },
    // In one process (npm start) the shared HTTP_PORT would make six services collide: only scoped ports count.
    env.OSSA_EMBEDDED ? { ...env, HTTP_PORT: undefined } : env,
  );
}
