/**
 * Named crash points for fault-injection tests: with OSSA_CRASH_AT=<point> (or `<point>:<n>` for the n-th
 * time it is reached) the process kills itself with SIGKILL there — no shutdown hook, no flush, as a power
 * cut would. Unset in production; reading it costs one comparison per step.
 */
export const CRASH_POINTS = [
  'placement.journalled',
  'negotiation.bids-collected',
  'handoff.claimed',
  'handoff.loaded',
  'handoff.awarded',
  'handoff.recorded',
  'handoff.published',
  'handoff.delivered',
  'complete.ledger',
  'complete.stored',
  'failover.agent-failed',
  'failover.reassigned',
  'failover.waiting',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

function parse(setting: string | undefined): { point: string; nth: number } | undefined {
  if (!setting) return undefined;
  const [point, nth] = setting.split(':');
  const n = nth === undefined ? 1 : Number(nth);
  return Number.isSafeInteger(n) && n >= 1 ? { point, nth: n } : undefined;
}

const armed = parse(process.env.OSSA_CRASH_AT);
let reached = 0;

export function crashPoint(point: CrashPoint): void {
  if (armed?.point !== point || ++reached !== armed.nth) return;
  process.stdout.write(`${JSON.stringify({ level: 60, msg: 'crash point reached', crashPoint: point })}\n`);
  process.kill(process.pid, 'SIGKILL');
}
