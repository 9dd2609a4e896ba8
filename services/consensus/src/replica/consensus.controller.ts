import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  checkLedgerBatch,
  checkLedgerCommand,
  FaultDto,
  LeaderTransferDto,
  LedgerReadDto,
  ReplicaRefDto,
  type LeaderTransferReply,
  type LedgerBatchReply,
  type LedgerCommand,
  type LedgerProposeReply,
  type MembershipChangeReply,
} from '@ossa/contracts';
import { ANY_TOKEN, ContractCheckPipe, NatsContext, onChannel, type HandlerExtras } from '@ossa/messaging';
import { ReplicaHost, type ReadReply } from './replica-host';

// The proposal subjects carry most requests: their bodies are checked by the contract's plain checks (the same
// rules and details as LedgerCommandDto / LedgerBatchDto) instead of class-transformer + class-validator.
const command = new ContractCheckPipe(checkLedgerCommand);
const batch = new ContractCheckPipe(checkLedgerBatch);

/** The consensus service's public subjects, answered by any replica (queue group `ossa.consensus`). */
@Controller()
export class ConsensusController {
  constructor(@Inject(ReplicaHost) private readonly host: ReplicaHost) {}

  @MessagePattern(onChannel('consensusPropose'))
  propose(@Payload(command) body: LedgerCommand): Promise<LedgerProposeReply> {
    return this.host.propose(body, this.host.deadline());
  }

  @MessagePattern(onChannel('consensusProposeBatch'))
  proposeBatch(@Payload(batch) commands: LedgerCommand[]): Promise<LedgerBatchReply> {
    return this.host.proposeBatch(commands, this.host.deadline());
  }

  @MessagePattern(onChannel('consensusRead'))
  read(@Payload() request: LedgerReadDto): Promise<ReadReply> {
    return this.host.read(request.key, this.host.deadline());
  }

  @MessagePattern(onChannel('consensusStatus'))
  status(@Payload() _request: object) {
    return this.host.status();
  }
}

/** This replica's own subjects (`ossa.consensus.replica.<REPLICA_ID>.*`, no queue group): peers and direct clients. */
@Controller()
export class ReplicaController {
  constructor(@Inject(ReplicaHost) private readonly host: ReplicaHost) {}

  /** Raft messages from the other replicas (`…replica.<self>.raft.<from>`), in the replicas' own encoding. */
  @EventPattern(onChannel('replicaRaft', { from: ANY_TOKEN }), { payload: 'bytes' } satisfies HandlerExtras)
  raft(@Payload() message: Uint8Array, @Ctx() context: NatsContext): void {
    this.host.receive(message, context.getSubject());
  }

  @MessagePattern(onChannel('replicaPropose'))
  propose(@Payload(command) body: LedgerCommand): Promise<LedgerProposeReply> {
    return this.host.propose(body, this.host.deadline());
  }

  @MessagePattern(onChannel('replicaProposeBatch'))
  proposeBatch(@Payload(batch) commands: LedgerCommand[]): Promise<LedgerBatchReply> {
    return this.host.proposeBatch(commands, this.host.deadline());
  }

  @MessagePattern(onChannel('replicaRead'))
  read(@Payload() request: LedgerReadDto): Promise<ReadReply> {
    return this.host.read(request.key, this.host.deadline());
  }

  @MessagePattern(onChannel('replicaStatus'))
  status(@Payload() _request: object) {
    return this.host.status();
  }
}

/** Test-only (CONSENSUS_FAULT_INJECTION=1; the controller is not even mounted otherwise). */
@Controller()
export class FaultController {
  constructor(@Inject(ReplicaHost) private readonly host: ReplicaHost) {}

  @MessagePattern(onChannel('replicaFault'))
  isolate(@Payload() request: FaultDto) {
    return this.host.isolate(request.isolate);
  }
}

/**
 * Admin only (in secure mode only the admin identity may publish here): membership change and leadership
 * transfer, on the service subjects (any replica answers, a follower forwards to the leader) and on each
 * replica's own subjects (where followers forward to).
 */
@Controller()
export class MembershipController {
  constructor(@Inject(ReplicaHost) private readonly host: ReplicaHost) {}

  @MessagePattern(onChannel('consensusReplicaAdd'))
  add(@Payload() request: ReplicaRefDto): Promise<MembershipChangeReply> {
    return this.host.changeMembership('add', request.replicaId, this.host.deadline());
  }

  @MessagePattern(onChannel('consensusReplicaRemove'))
  remove(@Payload() request: ReplicaRefDto): Promise<MembershipChangeReply> {
    return this.host.changeMembership('remove', request.replicaId, this.host.deadline());
  }

  @MessagePattern(onChannel('consensusLeaderTransfer'))
  transfer(@Payload() request: LeaderTransferDto): Promise<LeaderTransferReply> {
    return this.host.transferLeadership(request.replicaId, this.host.deadline());
  }

  @MessagePattern(onChannel('replicaAdminAdd'))
  addHere(@Payload() request: ReplicaRefDto): Promise<MembershipChangeReply> {
    return this.host.changeMembership('add', request.replicaId, this.host.deadline());
  }

  @MessagePattern(onChannel('replicaAdminRemove'))
  removeHere(@Payload() request: ReplicaRefDto): Promise<MembershipChangeReply> {
    return this.host.changeMembership('remove', request.replicaId, this.host.deadline());
  }

  @MessagePattern(onChannel('replicaAdminTransfer'))
  transferHere(@Payload() request: LeaderTransferDto): Promise<LeaderTransferReply> {
    return this.host.transferLeadership(request.replicaId, this.host.deadline());
  }
}
