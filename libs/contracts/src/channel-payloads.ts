import type { ClassConstructor } from 'class-transformer';
import type { ChannelName } from './channels';
import { AgentBatchDto, AgentDto, AgentHeartbeatDto, AgentListDto, AgentRefDto, HandoffRequestDto, TaskCompleteDto } from './dto/agent.dto';
import { ConflictDetectRequest, ConflictResolveRequest } from './dto/conflict.dto';
import { DecisionRequestDto } from './dto/decision.dto';
import { FaultDto, LedgerBatchDto, LedgerCommandDto, LedgerReadDto } from './dto/ledger.dto';
import { LeaderTransferDto, ReplicaRefDto } from './dto/membership.dto';
import { PingRequest } from './dto/ping.dto';

/**
 * The DTO every request (or stored task) on a channel is validated against; docs/asyncapi.yaml names the same
 * fields (a test compares them). Channels left out carry no body of ours to validate: status requests, Raft
 * traffic in the replicas' own encoding, what we send to agents, events and dead letters.
 */
export const REQUEST_PAYLOADS: Partial<Record<ChannelName, ClassConstructor<object>>> = {
  servicePing: PingRequest,
  tasksSubmit: HandoffRequestDto,
  tasksSubmitAs: HandoffRequestDto,
  conflictDetect: ConflictDetectRequest,
  conflictResolve: ConflictResolveRequest,
  decisionMake: DecisionRequestDto,
  consensusPropose: LedgerCommandDto,
  consensusProposeBatch: LedgerBatchDto,
  consensusRead: LedgerReadDto,
  replicaPropose: LedgerCommandDto,
  replicaProposeBatch: LedgerBatchDto,
  replicaRead: LedgerReadDto,
  replicaFault: FaultDto,
  consensusReplicaAdd: ReplicaRefDto,
  consensusReplicaRemove: ReplicaRefDto,
  consensusLeaderTransfer: LeaderTransferDto,
  replicaAdminAdd: ReplicaRefDto,
  replicaAdminRemove: ReplicaRefDto,
  replicaAdminTransfer: LeaderTransferDto,
  registryAgentRegister: AgentDto,
  registryAgentHeartbeat: AgentHeartbeatDto,
  registryAgentDeregister: AgentRefDto,
  registryAgentGet: AgentRefDto,
  registryAgentList: AgentListDto,
  registryAgentBatch: AgentBatchDto,
  registryHandoff: HandoffRequestDto,
  registryTaskComplete: TaskCompleteDto,
};
