import { Module } from '@nestjs/common';
import { ConflictHandlers } from './conflict/conflict.handlers';
import { ConflictMetrics } from './conflict/conflict.metrics';

/** Conflict detection and resolution over `ossa.conflict.detect` / `ossa.conflict.resolve`. */
@Module({ providers: [ConflictHandlers, ConflictMetrics] })
export class ConflictModule {}
