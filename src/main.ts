import 'reflect-metadata';
import { startApp } from './bootstrap/create-app.js';
import { ConfigError, loadConfig } from './config/load-config.js';

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `${JSON.stringify({ level: 'fatal', msg: 'invalid configuration', problems: error.problems })}\n`,
      );
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const app = await startApp(config);
  // A drain that outlives its budget must not keep a terminated instance around.
  const forceExitAfterTimeout = () => setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
  process.once('SIGTERM', forceExitAfterTimeout);
  process.once('SIGINT', forceExitAfterTimeout);
  void app;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', msg: 'service failed to start', error: String(error) })}\n`,
  );
  process.exit(1);
});
