/**
 * Who may publish and subscribe where. The NATS server enforces these tables; they are the whole of the
 * system's authorisation except the few rules a subject cannot express (see docs/security.md).
 */

export type IdentityKind = 'service' | 'replica' | 'agent' | 'client' | 'admin';
export const IDENTITY_KINDS: readonly IdentityKind[] = ['service', 'replica', 'agent', 'client', 'admin'];

/** Services that run with a service identity (consensus replicas have identities of their own). */
export const SERVICE_NAMES = ['registry', 'ordering', 'conflict', 'decision', 'transport-health'] as const;
export type SecuredService = (typeof SERVICE_NAMES)[number];

/** One subject token: identities become subject tokens (inboxes, agent subjects, consumer names). */
export const IDENTITY_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export interface SubjectPermissions {
  pub: { allow: string[]; deny: string[] };
  sub: { allow: string[]; deny: string[] };
  /** Lets an identity answer the requests it receives (one reply each) without publishing on `_INBOX.>`. */
  resp?: { max: number; ttl: number };
}

/** Each identity receives replies only on its own inbox prefix, so no one reads another's replies. */
export function inboxPrefix(kind: IdentityKind, id: string): string {
  return `_INBOX.${kind}.${id}`;
}

/** Durable consumer name an agent must use to read its assignments. */
export function agentConsumerName(agentId: string): string {
  return `agent_${agentId}`;
}

function streamBase(prefix: string): string {
  return prefix.toUpperCase().replace(/[^A-Z0-9_-]/g, '_');
}

/**
 * A stream of a prefix as a permission token. The prefix `*` (one installation serving every single-token
 * prefix, as the integration suite does with security on) turns stream names into the `*` wildcard.
 */
function streamToken(prefix: string, suffix: string): string {
  return prefix === '*' ? '*' : `${streamBase(prefix)}_${suffix}`;
}

/** Name of the audit stream for a prefix (`OSSA_AUDIT`). */
export function auditStreamName(prefix: string): string {
  return `${streamBase(prefix)}_AUDIT`;
}

/**
 * Subject an agent or client sends a request on in secure mode: `<prefix>.as.<kind>.<id>.<service>.<action>`.
 * The server lets each identity publish only under its own kind and id, so the service knows the caller.
 */
export function callerSubject(prefix: string, kind: IdentityKind, id: string, rest: string): string {
  return `${prefix}.as.${kind}.${id}.${rest}`;
}

/** JetStream operations no identity but admin may perform on the audit stream. */
function auditDenials(prefix: string): string[] {
  const audit = streamToken(prefix, 'AUDIT');
  return ['DELETE', 'PURGE', 'MSG.DELETE', 'UPDATE'].map((op) => `$JS.API.STREAM.${op}.${audit}`);
}

const RESPOND_ONCE = { max: 1, ttl: 0 };

/**
 * What every non-admin identity may never do, whatever else its table says: inject faults, change the
 * membership or move the leadership of the consensus replicas. Replicas alone may forward such an admin request
 * to their leader's own subject.
 */
function universalDenials(prefix: string, kind: Exclude<IdentityKind, 'admin'>): string[] {
  const forwarded = kind === 'replica' ? [] : [`${prefix}.consensus.replica.*.admin.>`];
  return [...auditDenials(prefix), `${prefix}.consensus.replica.*.fault`, `${prefix}.consensus.admin.>`, ...forwarded];
}

function servicePermissions(prefix: string, service: SecuredService, id: string): SubjectPermissions {
  const p = prefix;
  const pub = [
    `$JS.API.>`,
    `$JS.ACK.>`,
    `$JS.FC.>`,
    `${p}.events.>`,
    `${p}.audit.>`,
    `${p}.dlq.>`,
    `${p}.*.ping`,
  ];
  // Durable consumers learn of messages past their last delivery from the server's max-deliveries advisory.
  const sub = [`${inboxPrefix('service', id)}.>`, `${p}.${service}.>`, `${p}.as.*.*.${service}.>`, '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>'];
  // The ledger client goes straight to the last known leader's propose/read subject (a shortcut, not Raft traffic).
  const ledger = [
    `${p}.consensus.propose`,
    `${p}.consensus.propose.batch`,
    `${p}.consensus.read`,
    `${p}.consensus.status`,
    `${p}.consensus.replica.*.propose`,
    `${p}.consensus.replica.*.propose.batch`,
    `${p}.consensus.replica.*.read`,
  ];
  switch (service) {
    case 'registry':
      pub.push(
        ...ledger,
        `${p}.agents.*.bid`,
        `${p}.agents.*.award`,
        `${p}.tasks.>`,
        `${p}.registry.directory.changed.*`,
        // Its agent and handoff state in JetStream key-value buckets when MONGO_URL is unset.
        '$KV.>',
      );
      break;
    case 'decision':
      pub.push(...ledger, `${p}.agents.*.ballot`);
      break;
    case 'conflict':
      pub.push(...ledger);
      break;
    case 'transport-health':
      sub.push(`${p}.transport.health`, `${p}.as.*.*.transport.health`);
      break;
    case 'ordering':
      break;
  }
  return {
    pub: { allow: pub, deny: universalDenials(p, 'service') },
    sub: { allow: sub, deny: [] },
    resp: RESPOND_ONCE,
  };
}

function replicaPermissions(prefix: string, replicaId: string): SubjectPermissions {
  const p = prefix;
  return {
    pub: {
      allow: [
        // Raft traffic only with its own id as the sender token, so a receiver knows who sent it.
        `${p}.consensus.replica.*.raft.${replicaId}`,
        `${p}.consensus.replica.*.propose`,
        `${p}.consensus.replica.*.propose.batch`,
        `${p}.consensus.replica.*.read`,
        `${p}.consensus.replica.*.status`,
        // A follower forwards an admin request it received to the leader.
        `${p}.consensus.replica.*.admin.>`,
        `${p}.events.>`,
        `${p}.audit.>`,
        `$JS.API.>`,
        `$JS.ACK.>`,
      ],
      deny: universalDenials(p, 'replica'),
    },
    sub: {
      allow: [
        `${inboxPrefix('replica', replicaId)}.>`,
        `${p}.consensus.admin.>`,
        `${p}.consensus.propose`,
        `${p}.consensus.propose.batch`,
        `${p}.consensus.read`,
        `${p}.consensus.status`,
        `${p}.consensus.ping`,
        `${p}.consensus.replica.${replicaId}.>`,
        ...['propose', 'propose.batch', 'read', 'status', 'ping'].map((a) => `${p}.as.*.*.consensus.${a}`),
      ],
      deny: [],
    },
    resp: RESPOND_ONCE,
  };
}

function agentPermissions(prefix: string, agentId: string): SubjectPermissions {
  const p = prefix;
  const tasks = streamToken(p, 'TASKS');
  const consumer = agentConsumerName(agentId);
  return {
    pub: {
      allow: [
        ...[
          'agent.register',
          'agent.heartbeat',
          'agent.deregister',
          'agent.get',
          'agent.list',
          'task.complete',
        ].map((a) => callerSubject(p, 'agent', agentId, `registry.${a}`)),
        callerSubject(p, 'agent', agentId, '*.ping'),
        // Its own durable consumer on its own assignment subject, and nothing else in JetStream.
        `$JS.API.INFO`,
        `$JS.API.CONSUMER.CREATE.${tasks}.${consumer}.${p}.tasks.assigned.${agentId}`,
        `$JS.API.CONSUMER.INFO.${tasks}.${consumer}`,
        `$JS.API.CONSUMER.MSG.NEXT.${tasks}.${consumer}`,
        `$JS.API.CONSUMER.DELETE.${tasks}.${consumer}`,
        `$JS.ACK.${tasks}.${consumer}.>`,
      ],
      deny: universalDenials(p, 'agent'),
    },
    sub: {
      allow: [
        `${inboxPrefix('agent', agentId)}.>`,
        `${p}.agents.${agentId}.>`,
        `${p}.tasks.assigned.${agentId}`,
      ],
      deny: [],
    },
    resp: RESPOND_ONCE,
  };
}

function clientPermissions(prefix: string, clientId: string): SubjectPermissions {
  const p = prefix;
  const events = streamToken(p, 'EVENTS');
  return {
    pub: {
      allow: [
        ...[
          'registry.handoff.initiate',
          'registry.agent.get',
          'registry.agent.list',
          'decision.make',
          'conflict.detect',
          'conflict.resolve',
          'consensus.read',
          'consensus.status',
          'ordering.>',
          'transport.health',
          '*.ping',
          'identity.agent.issue',
          // Tasks submitted through JetStream under its own id, so the registry knows who submitted them.
          'tasks.submit',
        ].map((rest) => callerSubject(p, 'client', clientId, rest)),
        // Reading events: info, consumers and their messages on the events stream only.
        `$JS.API.INFO`,
        `$JS.API.STREAM.INFO.${events}`,
        `$JS.API.STREAM.MSG.GET.${events}`,
        `$JS.API.CONSUMER.CREATE.${events}`,
        `$JS.API.CONSUMER.CREATE.${events}.>`,
        `$JS.API.CONSUMER.INFO.${events}.>`,
        `$JS.API.CONSUMER.MSG.NEXT.${events}.>`,
        `$JS.API.CONSUMER.DELETE.${events}.>`,
        `$JS.ACK.${events}.>`,
        `$JS.FC.${events}.>`,
      ],
      deny: universalDenials(p, 'client'),
    },
    sub: { allow: [`${inboxPrefix('client', clientId)}.>`, `${p}.events.>`], deny: [] },
  };
}

function adminPermissions(): SubjectPermissions {
  return { pub: { allow: ['>'], deny: [] }, sub: { allow: ['>'], deny: [] } };
}

/** The permissions of one identity. Service ids are `<service>` or `<service>.<instance>` (e.g. `registry.2`). */
export function permissionsFor(prefix: string, kind: IdentityKind, id: string): SubjectPermissions {
  if (!IDENTITY_ID_PATTERN.test(id))
    throw new Error(`identity id "${id}" must be 1-128 letters, digits, _ or -`);
  switch (kind) {
    case 'service': {
      const service = serviceOf(id);
      if (!service)
        throw new Error(`service identity "${id}" must start with one of ${SERVICE_NAMES.join(', ')}`);
      return servicePermissions(prefix, service, id);
    }
    case 'replica':
      return replicaPermissions(prefix, id);
    case 'agent':
      return agentPermissions(prefix, id);
    case 'client':
      return clientPermissions(prefix, id);
    case 'admin':
      return adminPermissions();
  }
}

/** `registry`, `registry-2`, `transport-health_a` → the service; anything else → undefined. */
export function serviceOf(id: string): SecuredService | undefined {
  return [...SERVICE_NAMES]
    .sort((a, b) => b.length - a.length)
    .find((s) => id === s || id.startsWith(`${s}-`) || id.startsWith(`${s}_`));
}
