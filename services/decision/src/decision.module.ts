import { Module } from '@nestjs/common';
import { BallotCollector } from './decision/ballot-collector';
import { DecisionController } from './decision/decision.controller';
import { DecisionMetrics } from './decision/decision.metrics';
import { StakeholderGateway } from './decision/stakeholder.gateway';

/** Group decisions over `ossa.decision.make`, with live ballot collection from stakeholder agents. */
@Module({ controllers: [DecisionController], providers: [BallotCollector, StakeholderGateway, DecisionMetrics] })
export class DecisionModule {}
