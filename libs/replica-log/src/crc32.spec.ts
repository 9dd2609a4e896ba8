import { crc32, crc32Update } from './crc32';

describe('crc32', () => {
  it('matches the published check value for "123456789" (0xCBF43926)', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('gives the same value when computed in pieces', () => {
    const whole = crc32(Buffer.from('hello, replica log'));
    expect(crc32Update(crc32(Buffer.from('hello, ')), Buffer.from('replica log'))).toBe(whole);
  });

  it('is zero for no bytes', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
