import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  type ConnectionOptions,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import type { Subjects } from '@ossa/contracts';

export interface NatsConnectOptions {
  url: string;
  /** Connection name shown by the NATS server (`<service>/<instance>`). */
  name: string;
  subjects: Subjects;
  /** How long to keep trying the first connection before giving up. */
  connectTimeoutMs?: number;
  /** Credentials file (user JWT + nkey seed); without it the connection is anonymous. */
  credsFile?: string;
  /** CA to trust and, for mutual TLS, this client's certificate and key (PEM files). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Reply subjects of this connection's requests; defaults to the identity's own inbox when credentials name one. */
  inboxPrefix?: string;
}

/** `_INBOX.<kind>.<id>` for credentials minted by the project (user JWT named `<kind>:<id>`), else undefined. */
export function inboxPrefixOfCreds(creds: string): string | undefined {
  const jwt = /-----BEGIN NATS USER JWT-----\s*([A-Za-z0-9_.-]+)\s*------END NATS USER JWT------/.exec(creds)?.[1];
  const payload = jwt?.split('.')[1];
  if (!payload) return undefined;
  try {
    const name = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { name?: unknown }).name;
    const m = typeof name === 'string' ? /^([a-z]+):([A-Za-z0-9_-]{1,128})$/.exec(name) : null;
    return m ? `_INBOX.${m[1]}.${m[2]}` : undefined;
  } catch {
    return undefined;
  }
}

/** One NATS connection per service: core request/reply plus the JetStream client and manager. */
export class NatsConnectionService {
  private reconnectListeners?: Set<() => void>;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly subjects: Subjects,
  ) {}

  static async connect(options: NatsConnectOptions): Promise<NatsConnectionService> {
    let nc: NatsConnection;
    const security: Partial<ConnectionOptions> = {};
    if (options.credsFile) {
      let creds: string;
      try {
        creds = readFileSync(options.credsFile, 'utf8');
      } catch (err) {
        throw new Error(`cannot read NATS credentials ${options.credsFile}: ${(err as Error).message}`);
      }
      security.authenticator = credsAuthenticator(new TextEncoder().encode(creds));
      const inbox = options.inboxPrefix ?? inboxPrefixOfCreds(creds);
      if (inbox) security.inboxPrefix = inbox;
    } else if (options.inboxPrefix) {
      security.inboxPrefix = options.inboxPrefix;
    }
    if (options.tls && (options.tls.caFile || options.tls.certFile)) security.tls = { ...options.tls };
    try {
      nc = await connect({
        servers: options.url,
        name: options.name,
        timeout: options.connectTimeoutMs ?? 5000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        ...security,
      });
    } catch (err) {
      throw new Error(`cannot connect to NATS at ${options.url}: ${(err as Error).message}`);
    }
    let jsm: JetStreamManager;
    try {
      jsm = await nc.jetstreamManager({ timeout: options.connectTimeoutMs ?? 5000 });
    } catch (err) {
      await nc.close();
      throw new Error(`NATS at ${options.url} has no JetStream (start nats-server with -js): ${(err as Error).message}`);
    }
    return new NatsConnectionService(nc, nc.jetstream(), jsm, options.subjects);
  }

  /**
   * Calls `listener` after each reconnect to the server (core NATS messages sent while disconnected are
   * lost; a listener repairs what it may have missed). Returns a function that removes it.
   */
  onReconnect(listener: () => void): () => void {
    if (!this.reconnectListeners) {
      const listeners = (this.reconnectListeners = new Set());
      void (async () => {
        for await (const status of this.nc.status()) if (status.type === 'reconnect') for (const l of listeners) l();
      })().catch(() => undefined);
    }
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners?.delete(listener);
  }

  get closed(): boolean {
    return this.nc.isClosed();
  }

  /** Round trip to the server, in milliseconds. */
  rtt(): Promise<number> {
    return this.nc.rtt();
  }

  /** Lets pending publishes and subscriptions finish, then closes. */
  async drain(): Promise<void> {
    if (this.nc.isClosed() || this.nc.isDraining()) return this.nc.closed().then(() => undefined);
    await this.nc.drain();
  }
}
