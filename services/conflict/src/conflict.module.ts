import { Module } from '@nestjs/common';

/** The conflict service's feature module: its handlers and domain wiring live here. */
@Module({})
export class ConflictModule {}
