import { chmod, mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import {
  authorityJwts,
  issueCredentials,
  newAuthority,
  revokeIdentity,
  systemCredentials,
  type AuthorityState,
  type IssuedCredentials,
} from './authority';
import { IDENTITY_ID_PATTERN, type IdentityKind } from './permissions';
import { renderServerConfig, type SecureServerOptions } from './server-config';

/**
 * A secure installation on disk (git-ignored, mode 0700): `authority.json` (operator and account seeds,
 * revocations), `nats-server.conf`, `creds/<kind>-<id>.creds`, the JetStream store. Created on first use.
 */
export class SecureInstallation {
  private constructor(
    readonly dir: string,
    readonly state: AuthorityState,
  ) {}

  static async open(dir: string, prefix: string): Promise<SecureInstallation> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const file = path.join(dir, 'authority.json');
    let state: AuthorityState;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as AuthorityState;
      if (state.prefix !== prefix)
        throw new Error(`${file} was made for subject prefix "${state.prefix}", not "${prefix}"`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      state = newAuthority(prefix);
    }
    const installation = new SecureInstallation(dir, state);
    await installation.save();
    return installation;
  }

  get configFile(): string {
    return path.join(this.dir, 'nats-server.conf');
  }

  credsFile(kind: IdentityKind, id: string): string {
    if (!IDENTITY_ID_PATTERN.test(id))
      throw new Error(`identity id "${id}" must be 1-128 letters, digits, _ or -`);
    return path.join(this.dir, 'creds', `${kind}-${id}.creds`);
  }

  /**
   * Writes state atomically (write then rename) so a crash never leaves half a file of seeds. Saves run one at a
   * time (identities issued at once share the temporary file), each writing the state as it is when it runs.
   */
  save(): Promise<void> {
    const file = path.join(this.dir, 'authority.json');
    const write = async () => {
      await writeFile(`${file}.tmp`, JSON.stringify(this.state, null, 2), { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    };
    const saved = this.saving.then(write, write);
    this.saving = saved.catch(() => undefined);
    return saved;
  }
  private saving: Promise<void> = Promise.resolve();

  async writeServerConfig(
    options: Omit<SecureServerOptions, 'storeDir'> & { storeDir?: string },
  ): Promise<string> {
    const config = await renderServerConfig(this.state, {
      storeDir: path.join(this.dir, 'jetstream'),
      ...options,
    });
    await writeFile(this.configFile, config, { mode: 0o600 });
    return this.configFile;
  }

  /** Mints credentials for an identity and writes its creds file (mode 0600); returns them with the path. */
  async issue(
    kind: IdentityKind,
    id: string,
    options: { expiresInSec?: number } = {},
  ): Promise<IssuedCredentials & { file: string }> {
    const issued = await issueCredentials(this.state, kind, id, options);
    await this.save();
    const file = this.credsFile(kind, id);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, issued.creds, { mode: 0o600 });
    await chmod(file, 0o600);
    return { ...issued, file };
  }

  async systemCreds(): Promise<string> {
    return systemCredentials(this.state);
  }

  /** Records the revocation and returns the account JWT to push to the running server. */
  async revoke(kind: IdentityKind, id: string): Promise<{ revoked: string[]; accountJwt: string }> {
    const revoked = revokeIdentity(this.state, kind, id);
    await this.save();
    return { revoked, accountJwt: (await authorityJwts(this.state)).account };
  }

  async accountJwt(): Promise<string> {
    return (await authorityJwts(this.state)).account;
  }
}
