import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { subjectsFor } from '@ossa/contracts';
import { attachOssaTransport, MessagingModule, NatsConnectionService, type OssaNatsTransport, type ServiceIdentity } from '@ossa/messaging';
import { createLogger, MetricsRegistry, ObservabilityModule, PinoNestLogger, type Logger } from '@ossa/observability';
import { databaseName, PersistenceModule } from '@ossa/persistence';
import { PingController } from './ping.controller';
import { loadServiceConfig, ServiceConfig } from './service-config';
import type { ServiceDefinition } from './service-definition';
import { projectVersion } from './version';

export interface RunningService {
  name: ServiceDefinition['name'];
  instance: string;
  config: ServiceConfig;
  app: INestApplication;
  logger: Logger;
  /** Where /metrics and /health are served. */
  httpUrl: string;
  /** Subjects this instance answers. */
  subjects: string[];
  /** Stops taking requests, finishes the ones in flight, drains NATS and closes the HTTP server. */
  close(): Promise<void>;
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

/** Starts one service: validated config, NATS (JetStream streams ensured), optional MongoDB, HTTP for metrics and health. */
export async function startService(
  definition: ServiceDefinition,
  baseEnv: Record<string, string | undefined> = process.env,
): Promise<RunningService> {
  const env = { ...baseEnv, ...definition.env?.(baseEnv) };
  const config = loadServiceConfig(definition.name, env);
  const logger = createLogger(definition.name, config.INSTANCE_ID, config.LOG_LEVEL);
  const subjects = subjectsFor(config.SUBJECT_PREFIX);
  const identity: ServiceIdentity = {
    service: definition.name,
    instance: config.INSTANCE_ID,
    version: projectVersion(),
    startedAt: Date.now(),
    maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
  };
  if (!config.NATS_CREDS) {
    logger.warn(
      { nats: config.NATS_URL },
      'NATS IS NOT AUTHENTICATED: any client of this NATS server can act as any agent, service or replica. Development only; run `npm run start:secure` or set NATS_CREDS.',
    );
  }
  const connection = await NatsConnectionService.connect({
    url: config.NATS_URL,
    name: `${definition.name}/${config.INSTANCE_ID}`,
    subjects,
    credsFile: config.NATS_CREDS,
    tls: { caFile: config.NATS_TLS_CA, certFile: config.NATS_TLS_CERT, keyFile: config.NATS_TLS_KEY },
    inboxPrefix: config.NATS_INBOX_PREFIX,
  });
  const metrics = new MetricsRegistry(definition.name, config.INSTANCE_ID);
  const configModule = { module: class ServiceConfigModule {}, global: true, providers: [{ provide: ServiceConfig, useValue: config }], exports: [ServiceConfig] };
  const imports = [
    configModule,
    ObservabilityModule.forRoot(metrics),
    MessagingModule.forRoot({ connection, identity, logger }),
    ...(definition.usesMongo && config.MONGO_URL
      ? [PersistenceModule.forRoot({ url: config.MONGO_URL, dbName: databaseName(config.MONGO_DB_PREFIX, definition.name) })]
      : []),
    definition.module(config, env),
  ];
  // A distinct root class per service, so several services can live in one process.
  const root = { [`${pascal(definition.name)}Application`]: class {} }[`${pascal(definition.name)}Application`];
  Module({ imports, controllers: [PingController] })(root);

  let app: INestApplication;
  let transport: OssaNatsTransport;
  try {
    app = await NestFactory.create(root, { logger: new PinoNestLogger(logger), abortOnError: false });
    transport = attachOssaTransport(app, {
      connection,
      service: definition.name,
      tokens: definition.tokens?.(env),
      maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
      logger,
      metrics,
      consumerSettings: definition.consumerSettings?.(env),
    });
    // Streams ensured and cores ready (init hooks) before the transport subscribes; HTTP last.
    await app.init();
    await app.startAllMicroservices();
    await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  } catch (err) {
    await connection.drain().catch(() => undefined);
    throw err;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  const host = config.HTTP_HOST === '0.0.0.0' || config.HTTP_HOST === '::' ? '127.0.0.1' : config.HTTP_HOST;
  const httpUrl = `http://${host}:${address.port}`;
  let closing: Promise<void> | undefined;
  const running: RunningService = {
    name: definition.name,
    instance: config.INSTANCE_ID,
    config,
    app,
    logger,
    httpUrl,
    subjects: transport.subjects,
    close: () => (closing ??= app.close().then(() => logger.info('stopped'))),
  };
  logger.info({ metrics: `${httpUrl}/metrics`, health: `${httpUrl}/health`, subjects: transport.subjects }, 'started');
  return running;
}
