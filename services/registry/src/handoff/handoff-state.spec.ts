import fc from 'fast-check';
import {
  assignmentMessageId,
  canTransition,
  decodeHandoffState,
  encodeHandoffState,
  HANDOFF_STATES,
  IllegalTransitionError,
  nextHandoffState,
  type HandoffLedgerValue,
  type HandoffState,
} from './handoff-state';

const step = (agentId?: string) => ({ agentId, negotiationId: 'n-2', at: 2000 });
const value = (state: HandoffState, epoch = 1, agentId = 'agent-a'): HandoffLedgerValue => ({ state, epoch, agentId, negotiationId: 'n-1', at: 1000 });

describe('handoff state machine', () => {
  it('a first claim starts epoch 1 for the named agent', () => {
    expect(nextHandoffState(null, 'claimed', step('agent-a'))).toEqual({ state: 'claimed', epoch: 1, agentId: 'agent-a', negotiationId: 'n-2', at: 2000 });
  });

  it('the happy path keeps agent and epoch: claimed → recorded → delivered → completed', () => {
    let v = nextHandoffState(null, 'claimed', step('agent-a'));
    for (const to of ['recorded', 'delivered', 'completed'] as const) v = nextHandoffState(v, to, step());
    expect(v).toMatchObject({ state: 'completed', epoch: 1, agentId: 'agent-a' });
  });

  it('a claim after a release, a failure or a failover starts the next epoch, for the new agent', () => {
    for (const from of ['released', 'failed', 'reassigned'] as const) {
      expect(nextHandoffState(value(from, 3), 'claimed', step('agent-b'))).toMatchObject({ state: 'claimed', epoch: 4, agentId: 'agent-b' });
    }
  });

  it('a stale claim taken over keeps its agent and epoch (the award goes to the agent that won it)', () => {
    expect(nextHandoffState(value('claimed', 5), 'claimed', step('agent-b'))).toEqual({ state: 'claimed', epoch: 5, agentId: 'agent-a', negotiationId: 'n-2', at: 2000 });
  });

  it('refuses every transition not in the table: nothing leaves completed, nothing delivered is claimed again', () => {
    expect(() => nextHandoffState(value('completed'), 'claimed', step('agent-b'))).toThrow(IllegalTransitionError);
    expect(() => nextHandoffState(value('delivered'), 'claimed', step('agent-b'))).toThrow('handoff cannot move from delivered to claimed');
    expect(() => nextHandoffState(null, 'delivered', step())).toThrow('handoff cannot move from none to delivered');
    expect(() => nextHandoffState(value('claimed'), 'delivered', step())).toThrow(IllegalTransitionError);
    expect(() => nextHandoffState(value('released'), 'reassigned', step())).toThrow(IllegalTransitionError);
    expect(canTransition('recorded', 'reassigned')).toBe(true);
    expect(canTransition('claimed', 'reassigned')).toBe(false);
  });

  it('from any state, following only allowed transitions, the epoch never decreases and grows only by claims', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...HANDOFF_STATES), { maxLength: 40 }), (wanted) => {
        let v: HandoffLedgerValue | null = null;
        for (const to of wanted) {
          if (!canTransition(v?.state ?? null, to)) continue;
          const next = nextHandoffState(v, to, step('agent-x'));
          const grew = to === 'claimed' && v?.state !== 'claimed';
          expect(next.epoch).toBe((v?.epoch ?? 0) + (grew ? 1 : 0));
          v = next;
        }
      }),
    );
  });

  it('encodes canonically and decodes only well-formed values', () => {
    const v = value('delivered', 12);
    expect(encodeHandoffState(v)).toBe('delivered|12|agent-a|n-1|1000');
    expect(decodeHandoffState(encodeHandoffState(v))).toEqual(v);
    for (const bad of [null, undefined, '', 'agent-a', 'delivered|0|a|n|1', 'delivered|1|a b|n|1', 'delivered|1|a\r\nPUB x|n|1', 'shipped|1|a|n|1', 'delivered|1|a|n|1|x', 'delivered|99999999999999999|a|n|1', 'delivered|1|a|n|-1']) {
      expect(decodeHandoffState(bad)).toBeNull();
    }
  });

  it('delivery message ids differ per epoch: a task back on the same agent is delivered again', () => {
    expect(assignmentMessageId('t-1', 1)).not.toBe(assignmentMessageId('t-1', 3));
  });
});
