import { HealthIndicatorService } from '@nestjs/terminus';
import type { Connection } from 'mongoose';
import type { HealthCheckFn } from '@ossa/observability';

/** MongoDB is up when the connection is open and `ping` answers. */
export function mongoHealthCheck(connection: Connection, indicators: HealthIndicatorService): HealthCheckFn {
  return async () => {
    const check = indicators.check('mongodb');
    if (connection.readyState !== 1 || !connection.db) return check.down({ message: `connection state ${connection.readyState}` });
    try {
      const started = Date.now();
      await connection.db.admin().ping();
      return check.up({ database: connection.name, rttMs: Date.now() - started });
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  };
}
