import { OssaError, type BallotDto, type ErrorDetail } from '@ossa/contracts';
import type { Caller } from '@ossa/messaging';

/** Refused ballots named one by one in the error; the message counts the rest. */
const MAX_NAMED = 20;

/**
 * A ballot counts only on its stakeholder's word. A request on a caller-scoped subject
 * (`<prefix>.as.<kind>.<id>.decision.make`) proves who sent it: a client cannot speak for any stakeholder, an
 * agent only for itself; their stakeholders vote through live collection on `<prefix>.agents.<id>.ballot`,
 * which only that agent can answer. Plain subjects are open only to services and admins when NATS credentials
 * are in force, so their inline ballots pass here (see docs/decisions.md).
 */
export function assertBallotsProven(
  caller: Caller | undefined,
  ballots: readonly BallotDto[] | undefined,
): void {
  if (!caller || caller.kind === 'admin' || caller.kind === 'service' || !ballots) return;
  const refused = ballots
    .map((ballot, index) => ({ index, stakeholderId: ballot.stakeholderId }))
    .filter((b) => !(caller.kind === 'agent' && b.stakeholderId === caller.id));
  if (refused.length === 0) return;
  const named = refused.slice(0, MAX_NAMED);
  const details: ErrorDetail[] = named.map((b) => ({
    field: `ballots[${b.index}]`,
    message: `the ballot of ${b.stakeholderId} must come from ${b.stakeholderId} itself (live collection on its ballot subject), not from ${caller.kind} ${caller.id}`,
    value: b.stakeholderId,
  }));
  const more = refused.length > named.length ? ` and ${refused.length - named.length} more` : '';
  throw new OssaError(
    'UNAUTHORIZED',
    `${caller.kind} ${caller.id} may not cast ballots for ${named.map((b) => b.stakeholderId).join(', ')}${more}: stakeholders vote for themselves (collection)`,
    details,
  );
}
