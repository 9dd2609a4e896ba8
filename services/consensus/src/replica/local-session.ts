import { randomUUID } from 'node:crypto';
import type { LedgerCommand } from '@ossa/consensus';

/**
 * The session of requests that arrive without one (thesis §6.3): each gets the next request id and the
 * lowest id still unanswered as firstOutstanding, so any number in flight are each applied at most once.
 */
export class LocalSession {
  readonly clientId = `replica-${randomUUID()}`;
  private seq = 0;
  /** Unanswered request ids; a Set keeps insertion order, which is ascending here. */
  private readonly outstanding = new Set<number>();

  /** Stamps a command that has no session of its own; returns it and the call that ends the request. */
  stamp(command: LedgerCommand): { command: LedgerCommand; done: () => void } {
    if (command.clientId !== undefined && command.requestId !== undefined)
      return { command, done: () => undefined };
    const requestId = ++this.seq;
    this.outstanding.add(requestId);
    const firstOutstanding = this.outstanding.values().next().value as number;
    return {
      command: { ...command, clientId: this.clientId, requestId, firstOutstanding },
      done: () => this.outstanding.delete(requestId),
    };
  }
}
