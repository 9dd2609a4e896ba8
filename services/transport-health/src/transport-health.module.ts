import { Module } from '@nestjs/common';

/** The transport-health service's feature module: its handlers and domain wiring live here. */
@Module({})
export class TransportHealthModule {}
