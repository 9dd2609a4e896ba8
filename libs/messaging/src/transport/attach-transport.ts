import type { INestApplication } from '@nestjs/common';
import type { NestMicroservice } from '@nestjs/microservices';
import { ContractValidationPipe } from '../pipeline/contract-validation.pipe';
import { ErrorEnvelopeFilter } from '../pipeline/error-envelope.filter';
import { OssaNatsTransport, type OssaTransportOptions } from './ossa-nats.transport';

/**
 * Mounts the OSSA transport on an application with its pipeline: the contract validation pipe and the
 * error-envelope filter, for the microservice's handlers only (HTTP keeps Nest's own handling); the transport
 * itself takes the request metrics (docs/decisions.md says why not an interceptor). Call before
 * `app.init()`; `app.startAllMicroservices()` then subscribes.
 */
export function attachOssaTransport(app: INestApplication, options: OssaTransportOptions): OssaNatsTransport {
  const transport = new OssaNatsTransport(options);
  // Deferred, so the pipeline is in place before the handlers are bound; the application's own init runs the
  // lifecycle hooks once for both.
  const microservice = app.connectMicroservice({ strategy: transport }, { deferInitialization: true }) as NestMicroservice;
  microservice.setIsInitHookCalled(true);
  microservice.useGlobalPipes(new ContractValidationPipe());
  microservice.useGlobalFilters(new ErrorEnvelopeFilter(options.logger));
  return transport;
}
