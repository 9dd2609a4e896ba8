import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile, mkdir, chmod } from 'node:fs/promises';
import path from 'node:path';
import { Keyring, KEY_ID_PATTERN } from './payload-crypto';

/**
 * A key directory (a mounted secret store such as a Kubernetes Secret or Vault agent output works the same):
 * `<keyId>.key` holds 32 bytes in base64; `active` names the key new messages use. Removing a key file
 * retires that key on the next reload.
 */
export async function readKeyDirectory(
  dir: string,
): Promise<{ keys: { id: string; material: Buffer }[]; active?: string }> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.key')).sort();
  const keys = [];
  for (const name of names) {
    const id = name.slice(0, -'.key'.length);
    if (!KEY_ID_PATTERN.test(id))
      throw new Error(`key file ${name} in ${dir}: the name must be <keyId>.key with a valid key id`);
    const material = Buffer.from((await readFile(path.join(dir, name), 'utf8')).trim(), 'base64');
    if (material.length !== 32) throw new Error(`key file ${name} in ${dir} must hold 32 bytes in base64`);
    keys.push({ id, material });
  }
  let active: string | undefined;
  try {
    active = (await readFile(path.join(dir, 'active'), 'utf8')).trim();
  } catch {
    active = keys.at(-1)?.id;
  }
  return { keys, active };
}

/** Builds a keyring from a key directory. */
export async function loadKeyring(dir: string): Promise<Keyring> {
  const { keys, active } = await readKeyDirectory(dir);
  return new Keyring(keys, active);
}

/**
 * Brings a live keyring in line with its directory without dropping a message: new keys first, then the
 * active one, then retire those whose files are gone. Returns what changed (ids only).
 */
export async function reloadKeyring(
  keyring: Keyring,
  dir: string,
): Promise<{ added: string[]; retired: string[]; active?: string }> {
  const { keys, active } = await readKeyDirectory(dir);
  const before = new Set(keyring.ids());
  for (const k of keys) keyring.add(k);
  if (active !== undefined && active !== keyring.active) keyring.activate(active);
  const present = new Set(keys.map((k) => k.id));
  const retired = [...before].filter((id) => !present.has(id) && id !== keyring.active);
  for (const id of retired) keyring.retire(id);
  return { added: keys.map((k) => k.id).filter((id) => !before.has(id)), retired, active: keyring.active };
}

/** Writes a fresh random key (mode 0600) and, when asked, makes it the active one. */
export async function generateKeyFile(dir: string, id: string, activate = true): Promise<void> {
  if (!KEY_ID_PATTERN.test(id)) throw new Error(`key id "${id}" must be 1-64 letters, digits, _ . or -`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${id}.key`);
  await writeFile(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  if (activate) await writeFile(path.join(dir, 'active'), id + '\n', { mode: 0o600 });
}

/**
 * A key directory read lazily and re-read at most every `maxAgeMs`: a rotation written to the directory
 * (new key, then `active`, later the old file removed) reaches a running process without a restart.
 */
export class KeyDirectory {
  private ring?: Keyring;
  private loadedAt = 0;
  private loading?: Promise<Keyring>;

  constructor(
    readonly dir: string,
    private readonly maxAgeMs = 30_000,
  ) {}

  async keyring(now = Date.now()): Promise<Keyring> {
    if (this.ring && now - this.loadedAt < this.maxAgeMs) return this.ring;
    this.loading ??= (async () => {
      try {
        if (this.ring) await reloadKeyring(this.ring, this.dir);
        else this.ring = await loadKeyring(this.dir);
        this.loadedAt = now;
        return this.ring;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
