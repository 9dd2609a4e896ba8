// Rules every log store applies the same way (the memory store, the file and MongoDB adapters), so they all
// answer alike.
import { RaftError } from '../raft/errors';
import type { Entry } from '../raft/types';

/**
 * The entries of an append that are not covered by the snapshot, checked to be contiguous and to leave
 * no gap after lastIndex. The caller replaces its suffix from fresh[0].index on.
 */
export function freshEntries(entries: Entry[], snapshotIndex: number, lastIndex: number): Entry[] {
  const fresh = entries.filter((e) => e.index > snapshotIndex);
  if (fresh.length === 0) return fresh;
  const first = fresh[0].index;
  for (let i = 1; i < fresh.length; i++) {
    if (fresh[i].index !== first + i) {
      throw new RaftError('LOG_GAP', `entries are not contiguous at index ${fresh[i].index}`, {
        index: fresh[i].index,
      });
    }
  }
  if (first > lastIndex + 1) {
    throw new RaftError('LOG_GAP', `append at ${first} leaves a gap after last index ${lastIndex}`, {
      index: first,
    });
  }
  return fresh;
}

/** Throws COMPACTED or UNAVAILABLE when [from, toExclusive) leaves the stored range. */
export function checkRange(from: number, toExclusive: number, firstIndex: number, lastIndex: number): void {
  if (from < firstIndex) {
    throw new RaftError('COMPACTED', `entries before ${firstIndex} are compacted (asked ${from})`, {
      index: from,
    });
  }
  if (toExclusive > lastIndex + 1) {
    throw new RaftError('UNAVAILABLE', `entries up to ${toExclusive - 1} asked, last index is ${lastIndex}`, {
      index: toExclusive - 1,
    });
  }
}

export function copyEntry(e: Entry): Entry {
  return { index: e.index, term: e.term, type: e.type, data: e.data.slice() };
}
