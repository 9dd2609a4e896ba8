/** The six services of the system; each answers `<prefix>.<service>.ping` and owns `<prefix>.<service>.*`. */
export const SERVICE_NAMES = ['registry', 'ordering', 'consensus', 'conflict', 'decision', 'transport-health'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}
