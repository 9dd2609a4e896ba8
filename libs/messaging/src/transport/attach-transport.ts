import type { INestApplication } from '@nestjs/common';
import type { NestMicroservice } from '@nestjs/microservices';
import { ContractValidationPipe } from '../pipeline/contract-validation.pipe';
import { ErrorEnvelopeFilter } from '../pipeline/error-envelope.filter';
import { RequestMetricsInterceptor } from '../pipeline/request-metrics.interceptor';
import { OssaNatsTransport, type OssaTransportOptions } from './ossa-nats.transport';

/**
 * Mounts the OSSA transport on an application with its pipeline: the contract validation pipe, the request
 * metrics interceptor and the error-envelope filter, for the microservice's handlers only (HTTP keeps Nest's
 * own handling). Call before `app.init()`; `app.startAllMicroservices()` then subscribes.
 */
export function attachOssaTransport(app: INestApplication, options: OssaTransportOptions): OssaNatsTransport {
  const transport = new OssaNatsTransport(options);
  // Deferred, so the pipeline is in place before the handlers are bound; the application's own init runs the
  // lifecycle hooks once for both.
  const microservice = app.connectMicroservice({ strategy: transport }, { deferInitialization: true }) as NestMicroservice;
  microservice.setIsInitHookCalled(true);
  microservice.useGlobalPipes(new ContractValidationPipe());
  microservice.useGlobalInterceptors(new RequestMetricsInterceptor(options.metrics));
  microservice.useGlobalFilters(new ErrorEnvelopeFilter(options.logger));
  return transport;
}
