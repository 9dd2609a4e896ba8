import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Header naming the key a sealed payload was encrypted with. */
export const KEY_ID_HEADER = 'Ossa-Key-Id';
/** Header naming the cipher of a sealed payload; its absence means plain JSON. */
export const CIPHER_HEADER = 'Ossa-Cipher';
export const CIPHER = 'aes-256-gcm';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Raised when a payload cannot be opened: unknown or retired key, tampering, wrong subject. Never carries key bytes. */
export class PayloadCryptoError extends Error {
  constructor(
    readonly reason: 'unknown_key' | 'retired_key' | 'tampered' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'PayloadCryptoError';
  }
}

export interface PayloadKey {
  id: string;
  /** 32 bytes. */
  material: Buffer;
}

/**
 * The keys a process may use. One is active (new messages); the others still open old messages until they
 * are retired. Rotation is `add(new)` then `activate(new.id)` everywhere, and `retire(old.id)` once no
 * message sealed with the old key can still be in flight.
 */
export class Keyring {
  private readonly keys = new Map<string, Buffer>();
  private activeId?: string;

  constructor(keys: PayloadKey[] = [], activeId?: string) {
    for (const k of keys) this.add(k);
    if (activeId !== undefined) this.activate(activeId);
    else if (keys.length > 0) this.activate(keys[keys.length - 1].id);
  }

  add(key: PayloadKey): void {
    if (!KEY_ID_PATTERN.test(key.id))
      throw new Error(`key id "${key.id}" must be 1-64 letters, digits, _ . or -`);
    if (key.material.length !== KEY_BYTES)
      throw new Error(`key ${key.id} must be ${KEY_BYTES} bytes, not ${key.material.length}`);
    const existing = this.keys.get(key.id);
    if (existing && !existing.equals(key.material))
      throw new Error(`key id ${key.id} is already used by a different key`);
    this.keys.set(key.id, Buffer.from(key.material));
  }

  activate(id: string): void {
    if (!this.keys.has(id)) throw new Error(`cannot activate key ${id}: not in the keyring`);
    this.activeId = id;
  }

  retire(id: string): void {
    if (id === this.activeId) throw new Error(`cannot retire key ${id}: it is the active key`);
    this.keys.delete(id);
  }

  get active(): string | undefined {
    return this.activeId;
  }

  /** Key ids held, without their material. */
  ids(): string[] {
    return [...this.keys.keys()];
  }

  /** @internal material for sealing/opening; never log it. */
  material(id: string): Buffer | undefined {
    return this.keys.get(id);
  }

  /** Keyrings print their ids only. */
  toJSON(): { active?: string; ids: string[] } {
    return { active: this.activeId, ids: this.ids() };
  }
}

/** A sealed value: everything but the key needed to open it. Travels as JSON. */
export interface SealedValue {
  enc: typeof CIPHER;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

/**
 * Encrypts bytes with the active key. `associatedData` (the subject, or subject + field) is authenticated but
 * not sent: a sealed value moved to another subject or field no longer opens.
 */
export function sealBytes(keyring: Keyring, plaintext: Uint8Array, associatedData: string): SealedValue {
  const kid = keyring.active;
  const key = kid === undefined ? undefined : keyring.material(kid);
  if (kid === undefined || !key) throw new Error('no active payload key: configure OSSA_PAYLOAD_KEYS');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(`${kid}\n${associatedData}`, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    enc: CIPHER,
    kid,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

export function openBytes(keyring: Keyring, sealed: SealedValue, associatedData: string): Buffer {
  if (!isSealedValue(sealed))
    throw new PayloadCryptoError('malformed', 'sealed value must be {enc, kid, iv, tag, ct}');
  const key = keyring.material(sealed.kid);
  if (!key) throw new PayloadCryptoError('unknown_key', `payload key ${sealed.kid} is unknown or retired`);
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
    throw new PayloadCryptoError('malformed', 'sealed value has a bad iv or tag length');
  const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(`${sealed.kid}\n${associatedData}`, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
  } catch {
    throw new PayloadCryptoError(
      'tampered',
      `sealed value does not authenticate under key ${sealed.kid} for ${associatedData}`,
    );
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isSealedValue(value: unknown): value is SealedValue {
  const v = value as Partial<SealedValue> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.enc === CIPHER &&
    typeof v.kid === 'string' &&
    KEY_ID_PATTERN.test(v.kid) &&
    [v.iv, v.tag, v.ct].every((s) => typeof s === 'string' && BASE64.test(s))
  );
}

/** Seals one JSON value (task `context`, a result, a ballot) bound to the subject and the field it sits in. */
export function sealJson(keyring: Keyring, value: unknown, subject: string, field: string): SealedValue {
  return sealBytes(keyring, Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'), `${subject}#${field}`);
}

export function openJson<T = unknown>(
  keyring: Keyring,
  sealed: SealedValue,
  subject: string,
  field: string,
): T {
  const bytes = openBytes(keyring, sealed, `${subject}#${field}`);
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new PayloadCryptoError('malformed', `sealed ${field} does not hold JSON`);
  }
}

/**
 * Seals a whole message body: returns the bytes to send and the headers that go with them (key id and
 * cipher), the subject as associated data.
 */
export function sealMessage(
  keyring: Keyring,
  subject: string,
  body: Uint8Array,
): { data: Uint8Array; headers: Record<string, string> } {
  const sealed = sealBytes(keyring, body, subject);
  const data = Buffer.concat([
    Buffer.from(sealed.iv, 'base64'),
    Buffer.from(sealed.tag, 'base64'),
    Buffer.from(sealed.ct, 'base64'),
  ]);
  return { data, headers: { [KEY_ID_HEADER]: sealed.kid, [CIPHER_HEADER]: CIPHER } };
}

/** Opens what sealMessage produced; `keyId` comes from the Ossa-Key-Id header. */
export function openMessage(keyring: Keyring, subject: string, keyId: string, data: Uint8Array): Buffer {
  if (!KEY_ID_PATTERN.test(keyId))
    throw new PayloadCryptoError('malformed', `${KEY_ID_HEADER} header is not a key id`);
  if (data.length < IV_BYTES + TAG_BYTES)
    throw new PayloadCryptoError('malformed', 'sealed message is shorter than iv and tag');
  const buf = Buffer.from(data);
  return openBytes(
    keyring,
    {
      enc: CIPHER,
      kid: keyId,
      iv: buf.subarray(0, IV_BYTES).toString('base64'),
      tag: buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES).toString('base64'),
      ct: buf.subarray(IV_BYTES + TAG_BYTES).toString('base64'),
    },
    subject,
  );
}
