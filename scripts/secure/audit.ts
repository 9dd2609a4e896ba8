// `npm run audit -- [--actor <kind>:<id>] [--action <name>] [--task <id>] [--agent <id>] [--since <ISO>] [--until <ISO>] [--limit N]`:
// prints matching audit records as JSON lines, read with an admin identity of the secure installation.
import { subjectsFor } from '@ossa/contracts';
import { NatsConnectionService, queryAudit } from '@ossa/messaging';
import { AUDIT_ACTIONS, type AuditAction, type AuditQuery } from '@ossa/security';
import { natsUrlOf, prepareInstallation, secureSettings } from './setup';

function parse(argv: string[]): { query: AuditQuery; limit: number } {
  const query: AuditQuery = {};
  let limit = 1000;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const date = () => {
      const d = new Date(value);
      if (Number.isNaN(d.getTime())) throw new Error(`${flag} must be an ISO 8601 time, not ${value}`);
      return d;
    };
    switch (flag) {
      case '--actor': {
        const [kind, id] = value.split(':');
        query.actorKind = kind;
        if (id) query.actorId = id;
        break;
      }
      case '--action':
        if (!(AUDIT_ACTIONS as readonly string[]).includes(value))
          throw new Error(`--action must be one of ${AUDIT_ACTIONS.join(', ')}`);
        query.action = value as AuditAction;
        break;
      case '--task':
        query.taskId = value;
        break;
      case '--agent':
        query.agentId = value;
        break;
      case '--since':
        query.since = date();
        break;
      case '--until':
        query.until = date();
        break;
      case '--limit':
        limit = Number(value);
        if (!Number.isSafeInteger(limit) || limit < 1) throw new Error('--limit must be a positive integer');
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return { query, limit };
}

async function main(): Promise<void> {
  const { query, limit } = parse(process.argv.slice(2));
  const settings = secureSettings();
  const installation = await prepareInstallation(settings);
  const admin = await installation.issue('admin', 'audit-cli');
  const nats = await NatsConnectionService.connect({
    url: natsUrlOf(settings),
    name: 'audit-cli',
    subjects: subjectsFor(settings.prefix),
    credsFile: admin.file,
    tls: settings.tls ? { caFile: settings.tls.caFile } : undefined,
  });
  try {
    for (const record of await queryAudit(nats, query, limit))
      process.stdout.write(`${JSON.stringify(record)}\n`);
  } finally {
    await nats.drain();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
