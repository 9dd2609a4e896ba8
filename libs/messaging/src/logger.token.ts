/** The service's pino logger. */
export const LOGGER = Symbol('ossa:logger');
