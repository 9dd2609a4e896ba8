/** Identity of the service an application module belongs to. */
export const SERVICE_IDENTITY = Symbol('ossa:service-identity');

export interface ServiceIdentity {
  service: import('@ossa/contracts').ServiceName;
  instance: string;
  version: string;
  startedAt: number;
  /** Largest request body accepted, in bytes. */
  maxPayloadBytes: number;
}

