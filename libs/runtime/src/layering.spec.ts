import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/** Lints `code` as if it were the file at `filePath` (nothing is written) and returns eslint's messages. */
function lint(filePath: string, code: string): string {
  const eslint = path.join(root, 'node_modules', '.bin', 'eslint');
  const run = spawnSync(eslint, ['--stdin', '--stdin-filename', filePath], { cwd: root, input: code, encoding: 'utf8' });
  return `${run.stdout}${run.stderr}`;
}

// The layers of docs/decisions.md, enforced by eslint.config.mjs: each probe breaks one rule and must fail lint.
describe('layering rules', () => {
  it('libs/contracts imports nothing of ours', () => {
    expect(lint('libs/contracts/src/probe.ts', "import { makeDecision } from '@ossa/decision';\nexport const p = makeDecision;\n")).toMatch(/no-restricted-imports/);
  });

  it('a domain core imports only the contracts vocabulary, and no framework', () => {
    expect(lint('libs/decision/src/probe.ts', "import { OssaError } from '@ossa/contracts';\nexport const p = OssaError;\n")).toMatch(/no-restricted-imports/);
    expect(lint('libs/consensus/src/probe.ts', "import { connect } from 'nats';\nexport const p = connect;\n")).toMatch(/no-restricted-imports/);
    expect(lint('libs/registry/src/probe.ts', "import { Injectable } from '@nestjs/common';\nexport const p = Injectable;\n")).toMatch(/no-restricted-imports/);
    expect(lint('libs/decision/src/probe.ts', "import { VOTING_SYSTEMS } from '@ossa/contracts/vocabulary';\nexport const p = VOTING_SYSTEMS;\n")).not.toMatch(/no-restricted-imports/);
  });

  it('plumbing never imports a service', () => {
    expect(lint('libs/messaging/src/probe.ts', "import { ALL_SERVICES } from '../../../services/all';\nexport const p = ALL_SERVICES;\n")).toMatch(/no-restricted-imports/);
  });

  it('a service never imports another service', () => {
    expect(lint('services/decision/src/probe.ts', "import { registryService } from '../../registry/src/definition';\nexport const p = registryService;\n")).toMatch(/no-restricted-imports/);
    expect(lint('services/decision/src/probe.ts', "import { OssaError } from '@ossa/contracts';\nexport const p = OssaError;\n")).not.toMatch(/no-restricted-imports/);
  });
});
