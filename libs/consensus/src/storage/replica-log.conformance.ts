// The behaviour every ReplicaLog adapter must share; adapter specs call describeReplicaLogConformance.
import type { Entry, Snapshot } from '../raft/types';
import type { ReplicaLog } from './replica-log';

export interface ReplicaLogHarness {
  log: ReplicaLog;
  /** Closes and reopens the same storage, as a restarted replica would; omit for volatile adapters. */
  reopen?: () => Promise<ReplicaLog>;
  cleanup?: () => Promise<void>;
}

const entry = (index: number, term: number, text = `e${index}t${term}`): Entry => ({
  index,
  term,
  type: 'normal',
  data: new TextEncoder().encode(text),
});

const snapshotAt = (index: number, term: number): Snapshot => ({
  metadata: { index, term, confState: { voters: ['a', 'b', 'c'] } },
  data: new TextEncoder().encode(`state@${index}`),
});

const brief = (es: Entry[]) => es.map((e) => [e.index, e.term, new TextDecoder().decode(e.data)]);

export function describeReplicaLogConformance(name: string, factory: () => Promise<ReplicaLogHarness>): void {
  describe(`ReplicaLog conformance: ${name}`, () => {
    let h: ReplicaLogHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.log.close();
      await h.cleanup?.();
    });

    it('starts empty: zero hard state, no snapshot, firstIndex 1, lastIndex 0', async () => {
      const state = await h.log.load();
      expect(state).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] });
      expect(await h.log.firstIndex()).toBe(1);
      expect(await h.log.lastIndex()).toBe(0);
    });

    it('returns appended entries byte for byte', async () => {
      await h.log.append([entry(1, 1), entry(2, 1), entry(3, 2)]);
      expect(brief(await h.log.entries(1, 4))).toEqual(brief([entry(1, 1), entry(2, 1), entry(3, 2)]));
      expect(brief(await h.log.entries(2, 3))).toEqual(brief([entry(2, 1)]));
      expect(await h.log.lastIndex()).toBe(3);
    });

    it('replaces a conflicting suffix from the first index given', async () => {
      await h.log.append([entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)]);
      await h.log.append([entry(3, 2, 'new')]);
      expect(await h.log.lastIndex()).toBe(3);
      expect(brief((await h.log.load()).entries)).toEqual(
        brief([entry(1, 1), entry(2, 1), entry(3, 2, 'new')]),
      );
    });

    it('refuses an append that would leave a gap', async () => {
      await h.log.append([entry(1, 1)]);
      await expect(h.log.append([entry(3, 1)])).rejects.toMatchObject({ code: 'LOG_GAP' });
    });

    it("persists one Ready's entries and hard state together, a conflicting suffix replaced", async () => {
      await h.log.persist(
        { entries: [entry(1, 1), entry(2, 1), entry(3, 1)], hardState: { term: 1, vote: 'a', commit: 1 } },
        { sync: true },
      );
      await h.log.persist(
        { entries: [entry(3, 2, 'new')], hardState: { term: 2, vote: null, commit: 2 } },
        { sync: true },
      );
      // A Ready whose only change is the commit index: written, not flushed (the core sets sync false).
      await h.log.persist({ entries: [], hardState: { term: 2, vote: null, commit: 3 } }, { sync: false });
      if (h.reopen) h.log = await h.reopen();
      const state = await h.log.load();
      expect(state.hardState).toEqual({ term: 2, vote: null, commit: 3 });
      expect(brief(state.entries)).toEqual(brief([entry(1, 1), entry(2, 1), entry(3, 2, 'new')]));
    });

    it('keeps the latest hard state', async () => {
      await h.log.saveHardState({ term: 3, vote: 'b', commit: 0 });
      await h.log.saveHardState({ term: 4, vote: null, commit: 0 });
      expect((await h.log.load()).hardState).toEqual({ term: 4, vote: null, commit: 0 });
    });

    it('compacts entries covered by a snapshot and keeps the rest', async () => {
      await h.log.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]);
      await h.log.saveSnapshot(snapshotAt(2, 1));
      const state = await h.log.load();
      expect(state.snapshot?.metadata).toEqual(snapshotAt(2, 1).metadata);
      expect(new TextDecoder().decode(state.snapshot?.data)).toBe('state@2');
      expect(brief(state.entries)).toEqual(brief([entry(3, 2), entry(4, 2)]));
      expect(await h.log.firstIndex()).toBe(3);
      await expect(h.log.entries(1, 3)).rejects.toMatchObject({ code: 'COMPACTED' });
    });

    it('drops every entry when the snapshot does not match the log', async () => {
      await h.log.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
      await h.log.saveSnapshot(snapshotAt(5, 3));
      expect((await h.log.load()).entries).toEqual([]);
      expect(await h.log.firstIndex()).toBe(6);
      expect(await h.log.lastIndex()).toBe(5);
      await h.log.append([entry(6, 3)]);
      expect(await h.log.lastIndex()).toBe(6);
    });

    it('ignores appended entries already covered by the snapshot', async () => {
      await h.log.saveSnapshot(snapshotAt(2, 1));
      await h.log.append([entry(2, 1), entry(3, 1)]);
      expect(brief((await h.log.load()).entries)).toEqual(brief([entry(3, 1)]));
    });

    it('refuses to read past the last index', async () => {
      await h.log.append([entry(1, 1)]);
      await expect(h.log.entries(1, 3)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });

    it('survives a reopen when the adapter is durable', async () => {
      if (!h.reopen) {
        expect(h.reopen).toBeUndefined();
        return;
      }
      await h.log.append([entry(1, 1), entry(2, 2)]);
      await h.log.saveHardState({ term: 2, vote: 'a', commit: 1 });
      await h.log.saveSnapshot(snapshotAt(1, 1));
      h.log = await h.reopen();
      const state = await h.log.load();
      expect(state.hardState).toEqual({ term: 2, vote: 'a', commit: 1 });
      expect(state.snapshot?.metadata.index).toBe(1);
      expect(brief(state.entries)).toEqual(brief([entry(2, 2)]));
    });
  });
}
