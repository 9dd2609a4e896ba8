// `npm run creds -- <agent|client|admin|service|replica> <id>`: mints credentials for one identity and prints
// the creds file path as the last line. `npm run creds -- revoke <kind> <id>`: revokes every credential of
// that identity, on the running secure server at once (no restart) and in the generated configuration.
import { IDENTITY_ID_PATTERN, IDENTITY_KINDS, pushAccountJwt, type IdentityKind } from '@ossa/security';
import { natsUrlOf, prepareInstallation, secureSettings, writeConfig } from './setup';

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run creds -- <${IDENTITY_KINDS.join('|')}> <id>\n       npm run creds -- revoke <kind> <id>\n`,
  );
  process.exit(2);
}

function identity(kind: string | undefined, id: string | undefined): [IdentityKind, string] {
  if (!kind || !(IDENTITY_KINDS as readonly string[]).includes(kind))
    usage(`unknown identity kind "${kind ?? ''}"`);
  if (!id || !IDENTITY_ID_PATTERN.test(id))
    usage(`identity id "${id ?? ''}" must be 1-128 letters, digits, _ or -`);
  return [kind as IdentityKind, id];
}

async function main(argv: string[]): Promise<void> {
  const settings = secureSettings();
  const installation = await prepareInstallation(settings);
  if (argv[0] === 'revoke') {
    const [kind, id] = identity(argv[1], argv[2]);
    const { revoked, accountJwt } = await installation.revoke(kind, id);
    await writeConfig(installation, settings);
    if (revoked.length === 0) usage(`no credentials were ever issued for ${kind} ${id}`);
    const authority = await installation.issue('admin', 'authority');
    try {
      await pushAccountJwt(
        natsUrlOf(settings),
        { systemCreds: await installation.systemCreds(), accountCreds: authority.creds },
        installation.state,
        accountJwt,
        settings.tls ? { caFile: settings.tls.caFile } : undefined,
      );
      process.stdout.write(
        `revoked ${revoked.length} credential(s) of ${kind} ${id} on the running server\n`,
      );
    } catch (err) {
      process.stdout.write(
        `revoked ${revoked.length} credential(s) of ${kind} ${id} in ${installation.configFile}; the server was not updated (${(err as Error).message}) and applies it when it next starts\n`,
      );
    }
    return;
  }
  const [kind, id] = identity(argv[0], argv[1]);
  const issued = await installation.issue(kind, id);
  process.stdout.write(
    `${kind} ${id}: public key ${issued.publicKey}, inbox prefix ${issued.inboxPrefix}, NATS ${natsUrlOf(settings)}\n${issued.file}\n`,
  );
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
