// Version rule (caret-style, as npm's ^): an offered version serves a requested one when
//  - either side is missing (an unversioned request takes any version; an unversioned offer serves any request);
//  - both parse as MAJOR[.MINOR[.PATCH]] (missing parts are 0), the majors are equal and the offer is not
//    older: (minor, patch) >= requested. Under major 0 the minors must be equal too (0.x makes no promise);
//  - otherwise (a version that does not parse) the two strings are equal after trimming.
// So 1.2 serves 1.0, 1.0 does not serve 1.2, 2.0 does not serve 1.0, and 0.3.1 serves 0.3 but not 0.2.

export interface ParsedVersion {
  major: number;
  minor: number;
  patch: number;
}

const VERSION = /^v?(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?$/;

// A registry sees few distinct version strings; parsing each once keeps matching cheap at 100k agents.
const parsed = new Map<string, ParsedVersion | null>();
const PARSE_CACHE_LIMIT = 10_000;

export function parseVersion(version: string): ParsedVersion | null {
  const known = parsed.get(version);
  if (known !== undefined) return known;
  const m = VERSION.exec(version.trim());
  const result = m
    ? Object.freeze({ major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0) })
    : null;
  if (parsed.size >= PARSE_CACHE_LIMIT) parsed.clear();
  parsed.set(version, result);
  return result;
}

export function isVersionCompatible(requested: string | undefined, offered: string | undefined): boolean {
  if (requested === undefined || offered === undefined || requested.trim() === '' || offered.trim() === '')
    return true;
  const want = parseVersion(requested);
  const have = parseVersion(offered);
  if (!want || !have) return requested.trim() === offered.trim();
  if (have.major !== want.major) return false;
  if (want.major === 0) return have.minor === want.minor && have.patch >= want.patch;
  if (have.minor !== want.minor) return have.minor > want.minor;
  return have.patch >= want.patch;
}
