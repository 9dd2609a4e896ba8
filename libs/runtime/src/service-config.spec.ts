import { ConfigurationError } from './config-loader';
import { loadServiceConfig } from './service-config';

describe('service configuration', () => {
  it('applies defaults and per-service overrides', () => {
    const config = loadServiceConfig('transport-health', {
      TRANSPORT_HEALTH_HTTP_PORT: '0',
      SUBJECT_PREFIX: 'acme.prod',
    });
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.HTTP_PORT).toBe(0);
    expect(config.SUBJECT_PREFIX).toBe('acme.prod');
    expect(config.MONGO_DB_PREFIX).toBe('acme_prod');
    expect(config.MONGO_URL).toBeUndefined();
  });

  it('names every bad variable', () => {
    let error: ConfigurationError | undefined;
    try {
      loadServiceConfig('registry', {
        NATS_URL: 'http://x',
        HTTP_PORT: 'eighty',
        LOG_LEVEL: 'loud',
        MONGO_URL: 'postgres://db',
      });
    } catch (err) {
      error = err as ConfigurationError;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error!.problems.map((p) => p.variable).sort()).toEqual([
      'HTTP_PORT',
      'LOG_LEVEL',
      'MONGO_URL',
      'NATS_URL',
    ]);
    expect(error!.message).toContain('HTTP_PORT="eighty"');
  });

  it('ignores the shared HTTP_PORT in embedded mode so six services do not collide', () => {
    const config = loadServiceConfig('decision', { HTTP_PORT: '9999', OSSA_EMBEDDED: '1' });
    expect(config.HTTP_PORT).toBe(8085);
  });

  it('refuses to start in production without NATS credentials, and a certificate without its key', () => {
    expect(() => loadServiceConfig('registry', { NODE_ENV: 'production' })).toThrow(
      /NATS_CREDS=undefined: production \(NODE_ENV=production\) refuses to start without NATS credentials/,
    );
    expect(
      loadServiceConfig('registry', { NODE_ENV: 'production', NATS_CREDS: '/run/secrets/registry.creds' })
        .NATS_CREDS,
    ).toBe('/run/secrets/registry.creds');
    expect(() => loadServiceConfig('registry', { NATS_TLS_CERT: '/tls/client.pem' })).toThrow(/NATS_TLS_KEY/);
  });

  it("finds each identity's credentials in NATS_CREDS_DIR: one per replica, one per service", () => {
    expect(loadServiceConfig('consensus', { NATS_CREDS_DIR: '/creds', REPLICA_ID: 'r2' }).NATS_CREDS).toBe(
      '/creds/replica-r2.creds',
    );
    expect(loadServiceConfig('transport-health', { NATS_CREDS_DIR: '/creds' }).NATS_CREDS).toBe(
      '/creds/service-transport-health.creds',
    );
    expect(
      loadServiceConfig('registry', { NATS_CREDS_DIR: '/creds', REGISTRY_NATS_CREDS: '/other.creds' })
        .NATS_CREDS,
    ).toBe('/other.creds');
  });
});
