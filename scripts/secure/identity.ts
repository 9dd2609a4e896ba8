// `node dist/scripts/secure/identity.js`: the identity component on its own, for deployments where the services
// run apart from `start:secure` (docker compose: the `identity` service). Needs the installation directory
// (OSSA_SECURE_DIR, with the operator and account seeds) and the server's URL (OSSA_SECURE_NATS_URL).
import { SecureInstallation } from '@ossa/security';
import { natsUrlOf, secureSettings, startIdentityComponent } from './setup';

async function main(): Promise<void> {
  const settings = secureSettings();
  const installation = await SecureInstallation.open(settings.dir, settings.prefix);
  const nc = await startIdentityComponent(installation, settings);
  process.stdout.write(
    `identity component serving ${settings.prefix}.as.client.*.identity.agent.issue on ${natsUrlOf(settings)}\n`,
  );
  const stop = () => void nc.drain().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await nc.closed();
}

main().catch((err: Error) => {
  process.stderr.write(`identity component failed: ${err.message}\n`);
  process.exit(1);
});
