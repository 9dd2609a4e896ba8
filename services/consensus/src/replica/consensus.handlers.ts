import { Inject, Injectable } from '@nestjs/common';
import type { LedgerProposeReply } from '@ossa/contracts';
import { NatsHandler } from '@ossa/messaging';
import { LedgerCommandDto, LedgerReadDto } from './ledger-command.dto';
import { ReplicaHost, type ReadReply } from './replica-host';

/** The consensus service's public subjects, answered by any replica (queue group `ossa.consensus`). */
@Injectable()
export class ConsensusHandlers {
  constructor(@Inject(ReplicaHost) private readonly host: ReplicaHost) {}

  @NatsHandler((s) => s.request('consensus', 'propose'), { dto: LedgerCommandDto })
  propose(command: LedgerCommandDto): Promise<LedgerProposeReply> {
    return this.host.propose({ ...command }, Date.now() + this.host.config.REQUEST_TIMEOUT_MS);
  }

  @NatsHandler((s) => s.request('consensus', 'read'), { dto: LedgerReadDto })
  read(request: LedgerReadDto): Promise<ReadReply> {
    return this.host.read(request.key, Date.now() + this.host.config.REQUEST_TIMEOUT_MS);
  }

  @NatsHandler((s) => s.request('consensus', 'status'))
  status() {
    return this.host.status();
  }
}
