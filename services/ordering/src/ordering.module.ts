import { Module } from '@nestjs/common';

/** The ordering service's feature module: its handlers and domain wiring live here. */
@Module({})
export class OrderingModule {}
