import 'reflect-metadata';
export * from './services';
export * from './subjects';
export * from './errors';
export * from './events';
export * from './validation';
export * from './dto/ping.dto';
