import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthCheckFn } from '@ossa/observability';
import { NatsConnectionService } from './nats-connection';

/** NATS is up when the connection is open and a round trip answers. */
export function natsHealthCheck(nats: NatsConnectionService, indicators: HealthIndicatorService): HealthCheckFn {
  return async () => {
    const check = indicators.check('nats');
    if (nats.closed) return check.down({ message: 'connection closed' });
    try {
      const rttMs = await nats.rtt();
      return check.up({ server: nats.nc.getServer(), rttMs });
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  };
}

/** JetStream is up when the account info answers and the contract streams exist. */
export function jetStreamHealthCheck(nats: NatsConnectionService, indicators: HealthIndicatorService): HealthCheckFn {
  return async () => {
    const check = indicators.check('jetstream');
    try {
      const account = await nats.jsm.getAccountInfo();
      const { tasks, events } = nats.subjects.streams;
      const [t, e] = await Promise.all([nats.jsm.streams.info(tasks), nats.jsm.streams.info(events)]);
      return check.up({ streams: account.streams, [tasks]: t.state.messages, [events]: e.state.messages });
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  };
}
