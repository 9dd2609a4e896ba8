/**
 * What membership admin waits for, told by the Ready loop: configuration entries applied, entries applied up to an
 * index, leadership seen, a leadership transfer ended (done, abandoned or cut short), loop halted.
 */
export interface CoreListener {
  confChangeApplied?(index: number, term: number): void;
  applied?(index: number): void;
  leadership?(leader: string | null, term: number): void;
  transferEnded?(to: string): void;
  halted?(err: Error): void;
}

/** A small fan-out of Ready loop events; a listener that throws never stops the loop. */
export class CoreEvents {
  private readonly listeners = new Set<CoreListener>();

  subscribe(listener: CoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  confChangeApplied(index: number, term: number): void {
    this.emit((l) => l.confChangeApplied?.(index, term));
  }

  applied(index: number): void {
    if (this.listeners.size > 0) this.emit((l) => l.applied?.(index));
  }

  transferEnded(to: string): void {
    this.emit((l) => l.transferEnded?.(to));
  }

  leadership(leader: string | null, term: number): void {
    this.emit((l) => l.leadership?.(leader, term));
  }

  halted(err: Error): void {
    this.emit((l) => l.halted?.(err));
  }

  private emit(call: (l: CoreListener) => void): void {
    for (const l of [...this.listeners]) {
      try {
        call(l);
      } catch {
        // A listener's failure is its own; the loop goes on.
      }
    }
  }
}
