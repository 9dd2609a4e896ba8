import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import { publicKeys, type AuthorityState } from '../authority';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface PushCredentials {
  /** A user of the system account (sends the update). */
  systemCreds: string;
  /** A user of the application account: connecting it first makes the server hold the account, so the update is applied rather than skipped. */
  accountCreds: string;
}

/**
 * Pushes an updated account JWT to a running server over the system account
 * (`$SYS.REQ.ACCOUNT.<account>.CLAIMS.UPDATE`); the server closes connections of revoked users at once.
 */
export async function pushAccountJwt(
  servers: string,
  creds: PushCredentials,
  state: AuthorityState,
  accountJwt: string,
  tls?: ConnectionOptions['tls'],
): Promise<string> {
  const open = (c: string, name: string) =>
    connect({
      servers,
      authenticator: credsAuthenticator(encoder.encode(c)),
      name,
      tls,
      timeout: 5000,
      maxReconnectAttempts: 0,
    });
  const connections: NatsConnection[] = [];
  try {
    connections.push(await open(creds.accountCreds, 'ossa-authority-account'));
    const sys = await open(creds.systemCreds, 'ossa-authority');
    connections.push(sys);
    const account = publicKeys(state).account;
    const reply = await sys.request(`$SYS.REQ.ACCOUNT.${account}.CLAIMS.UPDATE`, encoder.encode(accountJwt), {
      timeout: 5000,
    });
    const body = JSON.parse(decoder.decode(reply.data)) as {
      data?: { code?: number; message?: string };
      error?: { code?: number; description?: string };
    };
    if (body.error || body.data?.message !== 'jwt updated') {
      throw new Error(
        `server did not apply the account update: ${body.error?.description ?? body.data?.message ?? 'no answer'}`,
      );
    }
    return body.data.message;
  } finally {
    await Promise.allSettled(connections.map((c) => c.close()));
  }
}
