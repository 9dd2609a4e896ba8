import { Module } from '@nestjs/common';
import { ConflictController } from './conflict/conflict.controller';
import { ConflictMetrics } from './conflict/conflict.metrics';

/** Conflict detection and resolution over `ossa.conflict.detect` / `ossa.conflict.resolve`. */
@Module({ controllers: [ConflictController], providers: [ConflictMetrics] })
export class ConflictModule {}
