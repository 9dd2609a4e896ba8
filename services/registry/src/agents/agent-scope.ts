import { OssaError } from '@ossa/contracts';
import type { Caller } from '@ossa/messaging';

/**
 * An agent acts only as itself. A request on a caller-scoped subject (`<prefix>.as.agent.<id>.…`) proves the
 * caller; its body must name the same agent. Plain subjects are open only to services and admins when NATS
 * credentials are in force, so they pass here.
 */
export function assertActsAsItself(
  caller: Caller | undefined,
  agentId: string,
  field: string,
  action: string,
): void {
  if (!caller || caller.kind === 'admin' || caller.kind === 'service') return;
  if (caller.kind === 'agent' && caller.id === agentId) return;
  throw new OssaError('UNAUTHORIZED', `${caller.kind} ${caller.id} may not ${action} agent ${agentId}`, [
    {
      field,
      message: `an ${caller.kind} may only ${action} ${caller.kind === 'agent' ? `itself (${caller.id})` : 'no agent'}`,
      value: agentId,
    },
  ]);
}
