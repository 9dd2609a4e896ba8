export { PersistenceModule, databaseName, type PersistenceOptions } from './persistence.module';
export { mongoHealthCheck } from './mongo-health';
