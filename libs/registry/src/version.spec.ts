import { isVersionCompatible, parseVersion } from './version';

describe('version rule', () => {
  it('parses MAJOR[.MINOR[.PATCH]] with missing parts as 0', () => {
    expect(parseVersion('1')).toEqual({ major: 1, minor: 0, patch: 0 });
    expect(parseVersion('1.2')).toEqual({ major: 1, minor: 2, patch: 0 });
    expect(parseVersion(' v2.3.4 ')).toEqual({ major: 2, minor: 3, patch: 4 });
    expect(parseVersion('1.x')).toBeNull();
    expect(parseVersion('1.2.3.4')).toBeNull();
  });

  it('a newer minor or patch of the same major serves the request; an older one does not', () => {
    expect(isVersionCompatible('1.0', '1.2')).toBe(true);
    expect(isVersionCompatible('1.2', '1.0')).toBe(false);
    expect(isVersionCompatible('1.2.3', '1.2.4')).toBe(true);
    expect(isVersionCompatible('1.2.3', '1.2.2')).toBe(false);
    expect(isVersionCompatible('1', '1.9.9')).toBe(true);
    expect(isVersionCompatible('1.0', '1')).toBe(true);
  });

  it('a different major never serves', () => {
    expect(isVersionCompatible('1.0', '2.0')).toBe(false);
    expect(isVersionCompatible('2.0', '1.9')).toBe(false);
  });

  it('under major 0 the minor must match too', () => {
    expect(isVersionCompatible('0.3', '0.3.1')).toBe(true);
    expect(isVersionCompatible('0.2', '0.3')).toBe(false);
    expect(isVersionCompatible('0.3.2', '0.3.1')).toBe(false);
  });

  it('a missing version on either side matches any', () => {
    expect(isVersionCompatible(undefined, '3.1')).toBe(true);
    expect(isVersionCompatible('3.1', undefined)).toBe(true);
    expect(isVersionCompatible('', '3.1')).toBe(true);
  });

  it('versions that do not parse must be equal strings', () => {
    expect(isVersionCompatible('beta', 'beta')).toBe(true);
    expect(isVersionCompatible('beta', '1.0')).toBe(false);
    expect(isVersionCompatible('1.0-rc1', '1.0')).toBe(false);
  });
});
