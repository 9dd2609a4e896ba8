export { loadServiceConfig, ServiceConfig, DEFAULT_HTTP_PORTS } from './service-config';
export { loadConfig, ConfigurationError, type ConfigSource } from './config-loader';
export type { ServiceDefinition } from './service-definition';
export { startService, type RunningService } from './start-service';
export { runMain } from './run-main';
export { PingController } from './ping.controller';
export { projectVersion } from './version';
