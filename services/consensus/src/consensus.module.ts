import { Module } from '@nestjs/common';

/** The consensus service's feature module: its handlers and domain wiring live here. */
@Module({})
export class ConsensusModule {}
