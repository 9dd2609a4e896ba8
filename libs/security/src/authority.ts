import {
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  fromPublic,
  fromSeed,
  decode,
} from '@nats-io/jwt';
import type { Account, User } from '@nats-io/jwt';
import { inboxPrefix, permissionsFor, type IdentityKind } from './permissions';

/**
 * The secrets of one secure installation: the operator and two accounts (SYS for the server's own traffic,
 * APP for everything the system does). Seeds never leave the directory the CLI keeps them in.
 */
export interface AuthorityState {
  prefix: string;
  operatorSeed: string;
  systemSeed: string;
  accountSeed: string;
  /** User public key → unix seconds: users issued at or before that time are refused (JWT revocation). */
  revocations: Record<string, number>;
  /** `<kind>:<id>` → public keys of users issued for that identity. */
  issued: Record<string, string[]>;
  /** Agent id → the client that had its credentials issued (the identity component's ownership). */
  owners?: Record<string, string>;
}

export interface IssuedCredentials {
  kind: IdentityKind;
  id: string;
  publicKey: string;
  jwt: string;
  /** The `.creds` file content (JWT and seed) for nats.js `credsAuthenticator` or the nats CLI. */
  creds: string;
  inboxPrefix: string;
}

const text = new TextDecoder();

function seedOf(kp: { getSeed(): Uint8Array }): string {
  return text.decode(kp.getSeed());
}

export function newAuthority(prefix: string): AuthorityState {
  return {
    prefix,
    operatorSeed: seedOf(createOperator()),
    systemSeed: seedOf(createAccount()),
    accountSeed: seedOf(createAccount()),
    revocations: {},
    issued: {},
  };
}

export function publicKeys(state: AuthorityState): { operator: string; system: string; account: string } {
  return {
    operator: fromSeed(new TextEncoder().encode(state.operatorSeed)).getPublicKey(),
    system: fromSeed(new TextEncoder().encode(state.systemSeed)).getPublicKey(),
    account: fromSeed(new TextEncoder().encode(state.accountSeed)).getPublicKey(),
  };
}

const kp = (seed: string) => fromSeed(new TextEncoder().encode(seed));

/** The three JWTs the server trusts: operator (names the system account), SYS, and APP with its revocations. */
export async function authorityJwts(
  state: AuthorityState,
): Promise<{ operator: string; system: string; account: string }> {
  const keys = publicKeys(state);
  const operator = await encodeOperator('ossa-operator', kp(state.operatorSeed), {
    system_account: keys.system,
  });
  const unlimited = {
    subs: -1,
    data: -1,
    payload: -1,
    imports: -1,
    exports: -1,
    wildcards: true,
    conn: -1,
    leaf: -1,
  };
  const system = await encodeAccount(
    'SYS',
    fromPublic(keys.system),
    { limits: unlimited },
    { signer: kp(state.operatorSeed) },
  );
  const appAccount: Partial<Account> = {
    limits: {
      ...unlimited,
      mem_storage: -1,
      disk_storage: -1,
      streams: -1,
      consumer: -1,
    },
    revocations: { ...state.revocations },
  };
  // iat moves on with each revocation, so a pushed update always supersedes the one the server holds.
  const account = await encodeAccount('OSSA', fromPublic(keys.account), appAccount, {
    signer: kp(state.operatorSeed),
  });
  return { operator, system, account };
}

/** Mints a user in the APP account with the permissions of its identity and records it for revocation. */
export async function issueCredentials(
  state: AuthorityState,
  kind: IdentityKind,
  id: string,
  options: { expiresInSec?: number } = {},
): Promise<IssuedCredentials> {
  const permissions = permissionsFor(state.prefix, kind, id);
  const user = createUser();
  const claims: Partial<User> = {
    pub: permissions.pub,
    sub: permissions.sub,
    ...(permissions.resp ? { resp: permissions.resp } : {}),
    tags: [`kind:${kind}`, `id:${id.toLowerCase()}`],
  };
  const now = Math.floor(Date.now() / 1000);
  const jwt = await encodeUser(
    `${kind}:${id}`,
    user,
    kp(state.accountSeed),
    claims,
    options.expiresInSec ? { exp: now + options.expiresInSec } : {},
  );
  const key = `${kind}:${id}`;
  state.issued[key] = [...(state.issued[key] ?? []), user.getPublicKey()];
  return {
    kind,
    id,
    publicKey: user.getPublicKey(),
    jwt,
    creds: text.decode(fmtCreds(jwt, user)),
    inboxPrefix: inboxPrefix(kind, id),
  };
}

/** Credentials in the SYS account, used only to push account updates to the server. */
export async function systemCredentials(state: AuthorityState): Promise<string> {
  const user = createUser();
  const jwt = await encodeUser('system:ossa-authority', user, kp(state.systemSeed));
  return text.decode(fmtCreds(jwt, user));
}

/**
 * Revokes every credential issued so far for an identity: their public keys go into the account's
 * revocation list with the current time. Returns the keys revoked. Push the new account JWT to apply it.
 */
export function revokeIdentity(
  state: AuthorityState,
  kind: IdentityKind,
  id: string,
  at: Date = new Date(),
): string[] {
  const keys = state.issued[`${kind}:${id}`] ?? [];
  // A JWT whose iat equals the revocation second is revoked too, so a key minted this second is covered.
  const seconds = Math.floor(at.getTime() / 1000);
  for (const k of keys) state.revocations[k] = seconds;
  return keys;
}

/** Kind and id a user JWT was issued for, read from its name (`<kind>:<id>`); undefined for any other JWT. */
export function identityOfJwt(jwt: string): { kind: string; id: string; publicKey: string } | undefined {
  const claims = decode<User>(jwt);
  const m = /^([a-z]+):([A-Za-z0-9_-]{1,128})$/.exec(claims.name ?? '');
  return m ? { kind: m[1], id: m[2], publicKey: claims.sub } : undefined;
}
