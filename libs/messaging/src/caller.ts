import { isSubjectToken } from '@ossa/contracts';

/**
 * The proven caller of a request. An identity sends a request on `<prefix>.as.<kind>.<id>.<subject rest>`;
 * the NATS server lets each identity publish only under its own `<kind>.<id>`, so a handler reading the
 * caller from the subject knows who sent it without trusting the body.
 */
export interface Caller {
  kind: string;
  id: string;
}

/** `<prefix>.registry.agent.heartbeat` → `<prefix>.as.*.*.registry.agent.heartbeat`. */
export function callerScopedPattern(prefix: string, subject: string): string | undefined {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  return `${prefix}.as.*.*.${subject.slice(prefix.length + 1)}`;
}

/** `<prefix>.as.<kind>.<id>.<rest>` for one identity; what an agent or client sends on in secure mode. */
export function callerScopedSubject(prefix: string, caller: Caller, subject: string): string {
  if (!isSubjectToken(caller.kind) || !isSubjectToken(caller.id))
    throw new Error(`caller ${caller.kind}:${caller.id} cannot be subject tokens`);
  if (!subject.startsWith(`${prefix}.`)) throw new Error(`subject ${subject} is not under prefix ${prefix}`);
  return `${prefix}.as.${caller.kind}.${caller.id}.${subject.slice(prefix.length + 1)}`;
}

/** The caller a received subject proves, or undefined for a plain subject. */
export function callerOf(prefix: string, subject: string): Caller | undefined {
  const head = `${prefix}.as.`;
  if (!subject.startsWith(head)) return undefined;
  const [kind, id] = subject.slice(head.length).split('.', 2);
  return isSubjectToken(kind) && isSubjectToken(id) ? { kind, id } : undefined;
}
