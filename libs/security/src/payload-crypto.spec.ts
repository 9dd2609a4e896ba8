import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateKeyFile, loadKeyring, reloadKeyring } from './key-files';
import {
  Keyring,
  openBytes,
  openJson,
  openMessage,
  PayloadCryptoError,
  sealBytes,
  sealJson,
  sealMessage,
  type SealedValue,
} from './payload-crypto';

const key = (id: string) => ({ id, material: randomBytes(32) });

describe('payload sealing (AES-256-GCM)', () => {
  it('opens what it sealed, bound to subject and field, and never puts plaintext on the wire', () => {
    const ring = new Keyring([key('k1')]);
    const context = { secret: 'launch codes', budget: 1200 };
    const sealed = sealJson(ring, context, 'ossa.tasks.submit', 'context');
    expect(sealed.kid).toBe('k1');
    expect(JSON.stringify(sealed)).not.toContain('launch codes');
    expect(openJson(ring, sealed, 'ossa.tasks.submit', 'context')).toEqual(context);
    // Two seals of the same value differ (fresh IV each time).
    expect(sealJson(ring, context, 'ossa.tasks.submit', 'context').ct).not.toBe(sealed.ct);
  });

  it('detects tampering with the ciphertext, the tag, the iv or the key id, and a move to another subject or field', () => {
    const ring = new Keyring([key('k1'), key('k2')], 'k1');
    const sealed = sealJson(ring, { result: 42 }, 'ossa.registry.task.complete', 'result');
    const flip = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      b[0] ^= 1;
      return b.toString('base64');
    };
    const variants: SealedValue[] = [
      { ...sealed, ct: flip(sealed.ct) },
      { ...sealed, tag: flip(sealed.tag) },
      { ...sealed, iv: flip(sealed.iv) },
      { ...sealed, kid: 'k2' },
    ];
    for (const v of variants) {
      expect(() => openJson(ring, v, 'ossa.registry.task.complete', 'result')).toThrow(PayloadCryptoError);
    }
    expect(() => openJson(ring, sealed, 'ossa.registry.task.complete', 'context')).toThrow(
      /does not authenticate/,
    );
    expect(() => openJson(ring, sealed, 'ossa.other', 'result')).toThrow(/does not authenticate/);
    expect(() => openJson(ring, { ...sealed, iv: 'AAAA' }, 'ossa.registry.task.complete', 'result')).toThrow(
      /iv or tag length/,
    );
    expect(() =>
      openJson(ring, { ...sealed, enc: 'rot13' } as unknown as SealedValue, 'x', 'result'),
    ).toThrow(/sealed value must be/);
  });

  it('seals whole messages with the key id in a header', () => {
    const ring = new Keyring([key('2026-11')]);
    const body = Buffer.from(JSON.stringify({ ballot: ['a', 'b'] }));
    const { data, headers } = sealMessage(ring, 'ossa.agents.s1.ballot', body);
    expect(headers['Ossa-Key-Id']).toBe('2026-11');
    expect(headers['Ossa-Cipher']).toBe('aes-256-gcm');
    expect(Buffer.from(data).includes(body)).toBe(false);
    expect(openMessage(ring, 'ossa.agents.s1.ballot', headers['Ossa-Key-Id'], data).equals(body)).toBe(true);
    expect(() => openMessage(ring, 'ossa.agents.s2.ballot', headers['Ossa-Key-Id'], data)).toThrow(
      PayloadCryptoError,
    );
    const cut = Buffer.from(data).subarray(0, 20);
    expect(() => openMessage(ring, 'ossa.agents.s1.ballot', '2026-11', cut)).toThrow(
      /shorter than iv and tag/,
    );
  });

  it('refuses bad keys and keeps key material out of JSON', () => {
    expect(() => new Keyring([{ id: 'short', material: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new Keyring([{ id: 'bad id', material: randomBytes(32) }])).toThrow(/key id/);
    const material = randomBytes(32);
    const ring = new Keyring([{ id: 'k1', material }]);
    expect(JSON.stringify(ring)).toBe('{"active":"k1","ids":["k1"]}');
    expect(() => ring.retire('k1')).toThrow(/active key/);
    expect(() => sealBytes(new Keyring(), Buffer.from('x'), 's')).toThrow(/no active payload key/);
  });

  it('rotates under load without losing a message: old ones open until the old key is retired', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ossa-keys-'));
    try {
      await generateKeyFile(dir, 'k1');
      const sender = await loadKeyring(dir);
      const receiver = await loadKeyring(dir);
      const inFlight: { sealed: SealedValue; n: number }[] = [];
      let rotated = false;
      // A stream of messages is sealed while the key directory rotates underneath both sides.
      for (let n = 0; n < 2000; n++) {
        if (n === 700) {
          await generateKeyFile(dir, 'k2', false);
          await reloadKeyring(receiver, dir); // receivers learn the new key first...
          await writeFile(path.join(dir, 'active'), 'k2\n');
          await reloadKeyring(sender, dir); // ...then senders switch to it.
          rotated = true;
        }
        inFlight.push({ sealed: sealJson(sender, { n }, 'ossa.tasks.submit', 'context'), n });
        if (n % 3 === 0) {
          const { sealed, n: m } = inFlight.shift()!;
          expect(openJson<{ n: number }>(receiver, sealed, 'ossa.tasks.submit', 'context').n).toBe(m);
        }
      }
      expect(rotated).toBe(true);
      expect(new Set(inFlight.map((x) => x.sealed.kid))).toEqual(new Set(['k1', 'k2']));
      for (const { sealed, n } of inFlight)
        expect(openJson<{ n: number }>(receiver, sealed, 'ossa.tasks.submit', 'context').n).toBe(n);
      // Retiring k1 (its file removed): k2 messages still open, k1 ones no longer do.
      const oldOne = sealBytes(
        new Keyring([{ id: 'k1', material: receiver.material('k1')! }]),
        Buffer.from('late'),
        's',
      );
      await unlink(path.join(dir, 'k1.key'));
      expect(await reloadKeyring(receiver, dir)).toEqual({ added: [], retired: ['k1'], active: 'k2' });
      expect(() => openBytes(receiver, oldOne, 's')).toThrow(/unknown or retired/);
      expect(openJson(receiver, sealJson(sender, 'fresh', 's', 'f'), 's', 'f')).toBe('fresh');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
