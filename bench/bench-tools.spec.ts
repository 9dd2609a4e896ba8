// The bench's readers of other programs' output: etcd's benchmark summary, etcdctl's endpoint status, V8 profiles.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { phaseOf, summarise } from './cpuprofile-summary';
import { leaderEndpoint, parseBenchmarkOutput } from './etcd-cluster';

// Captured from `benchmark put --precise` (etcd tools/benchmark v3.5.11) against a three-member etcd 3.4.
const BENCHMARK_OUTPUT = `
Summary:
  Total:	0.26744461 secs.
  Slowest:	0.006058763 secs.
  Fastest:	0.000524661 secs.
  Average:	0.0008892003166666671 secs.
  Stddev:	0.0005251763739800339 secs.
  Requests/sec:	1121.7275980996587

Latency distribution:
  10% in 0.000648886 secs.
  50% in 0.000779731 secs.
  99% in 0.00308275 secs.
`;

describe('parseBenchmarkOutput', () => {
  it('reads throughput and the 50th and 99th percentiles in milliseconds', () => {
    expect(parseBenchmarkOutput(BENCHMARK_OUTPUT)).toEqual({
      errors: 0,
      perSecond: 1122,
      p50Ms: 0.78,
      p99Ms: 3.08,
    });
  });

  it('counts the requests of the error distribution', () => {
    const withErrors = `${BENCHMARK_OUTPUT}\nError distribution:\n  [3]\tcontext deadline exceeded\n  [2]\tetcdserver: request timed out\n`;
    expect(parseBenchmarkOutput(withErrors).errors).toBe(5);
  });

  it('fails, quoting the output, when there is no summary', () => {
    expect(() => parseBenchmarkOutput('dial tcp 127.0.0.1:1: connect: connection refused')).toThrow(
      /printed no summary[\s\S]*connection refused/,
    );
  });
});

describe('leaderEndpoint', () => {
  // Member ids are uint64: these two differ by one but are the same number as a JavaScript double.
  const status = (endpoint: string, memberId: string, leader: string) =>
    `{"Endpoint":"${endpoint}","Status":{"header":{"cluster_id":1,"member_id":${memberId},"revision":1,"raft_term":2},"leader":${leader},"raftIndex":7}}`;

  it('picks the member whose id is the leader id, comparing ids as digit strings', () => {
    const json = `[${status('127.0.0.1:1', '15101859335780327642', '15101859335780327643')},${status('127.0.0.1:2', '15101859335780327643', '15101859335780327643')}]`;
    expect(leaderEndpoint(json)).toBe('127.0.0.1:2');
  });

  it('finds none while no leader is known', () => {
    expect(leaderEndpoint(`[${status('127.0.0.1:1', '7', '0')}]`)).toBeNull();
  });
});

describe('cpu profile summary', () => {
  const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
    id,
    callFrame: { functionName, url, lineNumber: 0 },
    children,
  });
  const nodes = [
    frame(1, '(root)', '', [2, 3, 6]),
    frame(2, '(idle)', ''),
    frame(3, 'writeRecords', 'file:///x/dist/libs/persistence/src/replica-log/file-replica-log.js', [4]),
    frame(4, 'fdatasync', ''),
    frame(5, 'writeBuffer', ''),
    frame(6, 'handleWriteReq', 'node:internal/stream_base_commons', [5]),
  ];

  it('sums self time inside the window, places native frames by their caller and sums steps inclusively', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'profile-spec-'));
    try {
      const file = path.join(dir, 'p.cpuprofile');
      // Samples at 1000, 2000, … µs: idle, fdatasync, socket write, writeRecords, then one outside the window.
      writeFileSync(
        file,
        JSON.stringify({
          startTime: 0,
          endTime: 6000,
          nodes,
          samples: [2, 4, 5, 3, 4, 4],
          timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
        }),
      );
      const s = summarise(file, { fromUs: 1000, toUs: 4000 });
      expect(s.wallMs).toBe(4);
      expect(s.busyMs).toBe(3);
      const phase = (name: string) => s.phases.find((p) => p.name === name)?.ms;
      expect(phase('idle (waiting for I/O: NATS, timers)')).toBe(1);
      expect(phase('fsync (fdatasyncSync)')).toBe(1);
      expect(phase('socket I/O (NATS, HTTP)')).toBe(1);
      expect(phase('replica log (libs/persistence)')).toBe(1);
      expect(s.steps).toEqual([{ name: 'log write + fdatasync', ms: 2, pctAll: 50, pctBusy: 66.7 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells a file write from a socket write by the caller', () => {
    expect(phaseOf('writeBuffer', '', 'node:fs')).toBe('file write and read');
    expect(phaseOf('writeBuffer', '', 'node:net')).toBe('socket I/O (NATS, HTTP)');
  });
});
