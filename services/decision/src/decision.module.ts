import { Module } from '@nestjs/common';

/** The decision service's feature module: its handlers and domain wiring live here. */
@Module({})
export class DecisionModule {}
