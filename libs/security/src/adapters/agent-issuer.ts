import type { NatsConnection, Subscription } from 'nats';
import type { SecureInstallation } from '../installation';
import { IDENTITY_ID_PATTERN } from '../permissions';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface AgentIssuerOptions {
  prefix: string;
  /** Applies a revocation to the running server (push of the account JWT). */
  pushRevocation: (accountJwt: string) => Promise<unknown>;
}

type Reply = Record<string, unknown>;
const refuse = (code: string, message: string, field: string, value?: unknown): Reply => ({
  error: { code, message, details: [{ field, message, value }] },
});

/**
 * The identity component: a client asks on `<prefix>.as.client.<clientId>.identity.agent.issue` with
 * `{agentId}` and gets that agent's credentials; the first client to do so owns the agent id, and only it may
 * ask again or revoke (`{agentId, revoke: true}`). The caller is proven by the subject the server allowed.
 * Run it on an admin connection; the creds travel inside the reply, so use it over TLS off-host.
 */
export function serveAgentIssuance(
  nc: NatsConnection,
  installation: SecureInstallation,
  options: AgentIssuerOptions,
): Subscription {
  const owners = (installation.state.owners ??= {});
  const head = `${options.prefix}.as.client.`;
  const handle = async (subject: string, data: Uint8Array): Promise<Reply> => {
    const clientId = subject.slice(head.length).split('.')[0];
    let body: { agentId?: unknown; revoke?: unknown };
    try {
      body = JSON.parse(decoder.decode(data)) as typeof body;
    } catch {
      return refuse('VALIDATION_FAILED', 'body must be JSON', '(body)');
    }
    const agentId = body?.agentId;
    if (typeof agentId !== 'string' || !IDENTITY_ID_PATTERN.test(agentId))
      return refuse('VALIDATION_FAILED', 'agentId must be 1-128 letters, digits, _ or -', 'agentId', agentId);
    if (body.revoke !== undefined && typeof body.revoke !== 'boolean')
      return refuse('VALIDATION_FAILED', 'revoke must be a boolean', 'revoke', body.revoke);
    const owner = owners[agentId];
    if (owner !== undefined && owner !== clientId)
      return refuse(
        'UNAUTHORIZED',
        `agent ${agentId} belongs to client ${owner}, not ${clientId}`,
        'agentId',
        agentId,
      );
    if (body.revoke) {
      if (owner === undefined)
        return refuse('NOT_FOUND', `no credentials were issued for agent ${agentId}`, 'agentId', agentId);
      const { revoked, accountJwt } = await installation.revoke('agent', agentId);
      await options.pushRevocation(accountJwt);
      return { agentId, revoked: revoked.length };
    }
    owners[agentId] = clientId;
    const issued = await installation.issue('agent', agentId);
    return {
      agentId,
      owner: clientId,
      publicKey: issued.publicKey,
      inboxPrefix: issued.inboxPrefix,
      creds: issued.creds,
    };
  };
  return nc.subscribe(`${head}*.identity.agent.issue`, {
    callback: (err, msg) => {
      if (err) return;
      void handle(msg.subject, msg.data)
        .catch((e: Error) => ({
          error: { code: 'INTERNAL', message: `identity issuer failed: ${e.message}`, details: [] },
        }))
        .then((reply) => msg.respond(encoder.encode(JSON.stringify(reply))));
    },
  });
}
