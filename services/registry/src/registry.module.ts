import { Module } from '@nestjs/common';

/** The registry service's feature module: its handlers and domain wiring live here. */
@Module({})
export class RegistryModule {}
