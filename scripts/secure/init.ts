// `node dist/scripts/secure/init.js`: generates (first run) or refreshes the secure installation and exits —
// for deployments where nats-server runs on its own (docker compose: the `secure-init` service).
import { prepareInstallation, secureSettings } from './setup';

prepareInstallation(secureSettings())
  .then((installation) =>
    process.stdout.write(
      `secure installation ready in ${installation.dir}; nats-server config ${installation.configFile}\n`,
    ),
  )
  .catch((err: Error) => {
    process.stderr.write(`secure init failed: ${err.message}\n`);
    process.exit(1);
  });
