import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { UhdSimulator } from '../tools/uhd-simulator/uhd-simulator.js';

/** Closes the bundled simulator with the application. */
export class EmbeddedUhdSimulator implements OnApplicationShutdown {
  constructor(private readonly simulator: UhdSimulator) {}

  onApplicationShutdown() {
    return this.simulator.close();
  }
}

/**
 * With no UHD host configured (never the case in production: the configuration refuses it),
 * starts the bundled UHD simulator in this process on loopback and points the UHD client at it,
 * so `npm ci && npm start` runs the whole pipeline on embedded defaults.
 */
export async function withEmbeddedUhdSimulator(
  config: AppConfig,
): Promise<{ config: AppConfig; embedded?: EmbeddedUhdSimulator }> {
  if (config.uhd.host) return { config };
  const logger = new Logger('UhdSimulator');
  const simulator = await new UhdSimulator({
    port: config.uhd.simulatorPort,
    log: ({ msg, ...fields }) => logger.log({ msg, ...fields }),
  }).start();
  logger.warn({ msg: 'UHD_HOST is not set: using the bundled UHD simulator', url: simulator.url });
  // The simulator insists on what the real API insists on; fill in what a local run leaves empty.
  const or = (value: string, fallback: string) => value || fallback;
  const uhd = {
    ...config.uhd,
    host: simulator.url,
    securityHost: simulator.url,
    appId: or(config.uhd.appId, 'local-app'),
    appToken: or(config.uhd.appToken, 'local-app-token'),
    subject: or(config.uhd.subject, 'local-subject'),
    userType: or(config.uhd.userType, 'local-user-type'),
    apiKey: or(config.uhd.apiKey, 'local-api-key'),
  };
  return { config: { ...config, uhd }, embedded: new EmbeddedUhdSimulator(simulator) };
}
