import { subjectsFor, subjectToken } from './index';

describe('subject tokens built from data', () => {
  it.each(['agent-1', 'A_b-9', 'x'.repeat(128)])('accepts %s', (value) => {
    expect(subjectToken(value, 'agent id')).toBe(value);
  });

  it.each([
    ['a space', 'agent 1'],
    ['CR/LF', 'agent\r\nPUB evil 5'],
    ['a dot', 'a.b'],
    ['a wildcard', '*'],
    ['a full wildcard', '>'],
    ['an empty string', ''],
    ['too long', 'x'.repeat(129)],
    ['a tab', 'a\tb'],
  ])('refuses %s, naming what it is', (_label, value) => {
    expect(() => subjectToken(value, 'assignee')).toThrow(/^assignee ".*" cannot be a subject token/s);
  });

  it.each([null, undefined, 42, {}, ['a']])('refuses the non-string %p', (value) => {
    expect(() => subjectToken(value, 'leader replica id')).toThrow(/^leader replica id .+ cannot be a subject token/);
  });

  it('guards the agent subjects', () => {
    const subjects = subjectsFor('ossa');
    expect(subjects.agent('worker-1', 'bid')).toBe('ossa.agents.worker-1.bid');
    expect(() => subjects.agent('worker 1\r\n', 'bid')).toThrow(/agentId/);
    expect(() => subjects.tasksAssigned('worker 1')).toThrow(/agentId/);
    expect(() => subjects.replica('r1\r\nPUB x 1', 'propose')).toThrow(/replicaId/);
  });

  it('names the sender in Raft subjects and the client in caller-scoped task submissions', () => {
    const subjects = subjectsFor('ossa');
    expect(subjects.raft('r2', 'r1')).toBe('ossa.consensus.replica.r2.raft.r1');
    expect(() => subjects.raft('r2', '*')).toThrow(/from/);
    expect(subjects.tasksSubmitAs('dashboard')).toBe('ossa.as.client.dashboard.tasks.submit');
    expect(() => subjects.tasksSubmitAs('a.b')).toThrow(/clientId/);
  });
});
