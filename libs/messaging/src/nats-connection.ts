import {
  connect,
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
    try {
      nc = await connect({
        servers: options.url,
        name: options.name,
        timeout: options.connectTimeoutMs ?? 5000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
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
