// libs/security spells its few subjects itself (it imports nothing of ours, see docs/security.md); these checks
// hold them to the contract's channel catalogue so the two cannot drift apart.
import { channelAddress, SUBJECT_TOKEN_PATTERN, subjectsFor } from '@ossa/contracts';
import { auditSubject } from './audit';
import { auditStreamName, callerSubject, IDENTITY_ID_PATTERN, permissionsFor } from './permissions';

describe('libs/security subjects agree with the channel catalogue', () => {
  it('takes identity ids to be exactly the subject tokens of the contract', () => {
    expect(IDENTITY_ID_PATTERN.source).toBe(SUBJECT_TOKEN_PATTERN.source);
    expect(IDENTITY_ID_PATTERN.flags).toBe(SUBJECT_TOKEN_PATTERN.flags);
  });

  it('builds caller-scoped and audit subjects as the catalogue addresses them', () => {
    const caller = channelAddress('callerScoped', { callerKind: 'client', callerId: 'c-1' }).replace(
      '{request}',
      'decision.make',
    );
    expect(callerSubject('acme', 'client', 'c-1', 'decision.make')).toBe(`acme.${caller}`);
    const audit = channelAddress('audit', { action: 'refused', actorKind: 'agent', actorId: 'a_1' });
    expect(auditSubject('acme', 'refused', { kind: 'agent', id: 'a_1' })).toBe(`acme.${audit}`);
    expect(auditStreamName('acme')).toBe(subjectsFor('acme').streams.tasks.replace(/_TASKS$/, '_AUDIT'));
  });

  it('grants the catalogue subjects: a client its own task submissions, a replica Raft traffic as itself', () => {
    const subjects = subjectsFor('acme');
    expect(permissionsFor('acme', 'client', 'c-1').pub.allow).toContain(subjects.tasksSubmitAs('c-1'));
    expect(permissionsFor('acme', 'replica', 'r2').pub.allow).toContain(
      subjects.raft('r1', 'r2').replace('.r1.', '.*.'),
    );
    expect(permissionsFor('acme', 'agent', 'a-1').sub.allow).toEqual(
      expect.arrayContaining([
        subjects.tasksAssigned('a-1'),
        subjects.agent('a-1', 'bid').replace(/bid$/, '>'),
      ]),
    );
  });
});
