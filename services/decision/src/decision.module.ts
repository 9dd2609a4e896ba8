import { Module } from '@nestjs/common';
import { BallotCollector } from './decision/ballot-collector';
import { DecisionHandlers } from './decision/decision.handlers';
import { DecisionMetrics } from './decision/decision.metrics';

/** Group decisions over `ossa.decision.make`, with live ballot collection from stakeholder agents. */
@Module({ providers: [DecisionHandlers, BallotCollector, DecisionMetrics] })
export class DecisionModule {}
