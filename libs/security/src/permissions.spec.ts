import { inboxPrefixOfCreds } from '@ossa/messaging';
import { issueCredentials, newAuthority, revokeIdentity } from './authority';
import { IDENTITY_KINDS, permissionsFor, serviceOf } from './permissions';

describe('identity permissions', () => {
  it('never lets a non-admin identity inject faults or rewrite the audit stream', () => {
    for (const kind of IDENTITY_KINDS.filter((k) => k !== 'admin')) {
      const perms = permissionsFor('ossa', kind, kind === 'service' ? 'registry' : 'x1');
      expect(perms.pub.deny).toEqual(
        expect.arrayContaining([
          'ossa.consensus.replica.*.fault',
          '$JS.API.STREAM.PURGE.OSSA_AUDIT',
          '$JS.API.STREAM.DELETE.OSSA_AUDIT',
          '$JS.API.STREAM.MSG.DELETE.OSSA_AUDIT',
        ]),
      );
    }
  });

  it('keeps membership change and leadership transfer to the admin identity (replicas only forward to their leader)', () => {
    for (const kind of IDENTITY_KINDS.filter((k) => k !== 'admin')) {
      const perms = permissionsFor('ossa', kind, kind === 'service' ? 'conflict' : 'x1');
      expect(perms.pub.deny).toContain('ossa.consensus.admin.>');
      const forwards = kind === 'replica';
      expect(perms.pub.deny.includes('ossa.consensus.replica.*.admin.>')).toBe(!forwards);
      expect(perms.pub.allow.includes('ossa.consensus.replica.*.admin.>')).toBe(forwards);
    }
    expect(permissionsFor('ossa', 'replica', 'r4').sub.allow).toContain('ossa.consensus.admin.>');
  });

  it('scopes an agent to subjects carrying its own id', () => {
    const perms = permissionsFor('acme', 'agent', 'a-7');
    expect(perms.sub.allow).toEqual(['_INBOX.agent.a-7.>', 'acme.agents.a-7.>', 'acme.tasks.assigned.a-7']);
    // Requests only in its own caller-scoped form; never the plain subjects that name the agent in the body.
    expect(perms.pub.allow.filter((s) => s.startsWith('acme.registry.'))).toEqual([]);
    expect(perms.pub.allow.filter((s) => s.startsWith('acme.as.'))).toEqual([
      'acme.as.agent.a-7.registry.agent.register',
      'acme.as.agent.a-7.registry.agent.heartbeat',
      'acme.as.agent.a-7.registry.agent.deregister',
      'acme.as.agent.a-7.registry.agent.get',
      'acme.as.agent.a-7.registry.agent.list',
      'acme.as.agent.a-7.registry.task.complete',
      'acme.as.agent.a-7.*.ping',
    ]);
    expect(perms.pub.allow.some((s) => s.includes('consensus'))).toBe(false);
  });

  it('lets a client submit tasks only under its own id, and a replica send Raft traffic only as itself', () => {
    const client = permissionsFor('acme', 'client', 'c-1').pub.allow;
    expect(client).toContain('acme.as.client.c-1.tasks.submit');
    expect(client.filter((s) => s.includes('tasks.'))).toEqual(['acme.as.client.c-1.tasks.submit']);
    const replica = permissionsFor('acme', 'replica', 'r2').pub.allow;
    expect(replica.filter((s) => s.includes('.raft'))).toEqual(['acme.consensus.replica.*.raft.r2']);
  });

  it('lets ledger writers send batches wherever they send single commands, and replicas serve and forward them', () => {
    const proposals = [
      'ossa.consensus.propose',
      'ossa.consensus.propose.batch',
      'ossa.consensus.replica.*.propose',
      'ossa.consensus.replica.*.propose.batch',
    ];
    for (const service of ['registry', 'conflict', 'decision'])
      expect(
        proposals.filter((s) => permissionsFor('ossa', 'service', service).pub.allow.includes(s)),
      ).toEqual(proposals);
    const replica = permissionsFor('ossa', 'replica', 'r1');
    expect(proposals.filter((s) => replica.pub.allow.includes(s))).toEqual([
      'ossa.consensus.replica.*.propose',
      'ossa.consensus.replica.*.propose.batch',
    ]);
    expect(replica.sub.allow).toEqual(
      expect.arrayContaining([
        'ossa.consensus.propose.batch',
        'ossa.as.*.*.consensus.propose.batch',
        'ossa.consensus.replica.r1.>',
      ]),
    );
  });

  it('gives the ledger to services that write it and to no one else', () => {
    const writes = (kind: Parameters<typeof permissionsFor>[1], id: string) =>
      permissionsFor('ossa', kind, id).pub.allow.includes('ossa.consensus.propose');
    expect(['registry', 'conflict', 'decision'].map((s) => writes('service', s))).toEqual([true, true, true]);
    expect([
      writes('service', 'ordering'),
      writes('service', 'transport-health'),
      writes('client', 'c'),
      writes('agent', 'a'),
      writes('replica', 'r1'),
    ]).toEqual([false, false, false, false, false]);
  });

  it('refuses ids that cannot be one subject token and unknown services', () => {
    expect(() => permissionsFor('ossa', 'agent', 'a.b')).toThrow(/identity id/);
    expect(() => permissionsFor('ossa', 'agent', '*')).toThrow(/identity id/);
    expect(() => permissionsFor('ossa', 'service', 'mailer')).toThrow(/must start with one of/);
    expect(serviceOf('transport-health-2')).toBe('transport-health');
    expect(serviceOf('registry_b')).toBe('registry');
  });

  it('mints creds whose JWT names the identity and its inbox; revocation lists every key issued for it', async () => {
    const state = newAuthority('ossa');
    const first = await issueCredentials(state, 'agent', 'a1');
    const second = await issueCredentials(state, 'agent', 'a1');
    expect(inboxPrefixOfCreds(first.creds)).toBe('_INBOX.agent.a1');
    expect(first.creds).toContain('NKEY SEED');
    expect(revokeIdentity(state, 'agent', 'a1').sort()).toEqual([first.publicKey, second.publicKey].sort());
    expect(Object.keys(state.revocations)).toHaveLength(2);
  });
});
