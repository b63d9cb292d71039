import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import { AppModule } from '../app.module.js';
import { type AppConfig, roleRuns } from '../config/app-config.js';
import { Database } from '../infrastructure/database/database.js';
import { QUEUE_DASHBOARD_PATH, queueDashboardRouter } from '../infrastructure/queue/queue-dashboard.js';
import { Queues } from '../infrastructure/queue/queues.js';
import { requireBearerToken } from '../platform/auth/bearer-token.middleware.js';
import { HttpExceptionFilter } from '../platform/errors/http-exception.filter.js';
import { GrpcHealth } from '../platform/grpc/grpc-health.js';
import { buildGrpcOptions } from '../platform/grpc/grpc-options.js';
import { httpRequestMiddleware } from '../platform/http/http-request.middleware.js';
import { jsonBodyMiddleware, requireJsonContentType } from '../platform/http/json-body.middleware.js';
import { bodyValidationPipe } from '../platform/http/validation.pipe.js';
import { PinoNestLogger } from '../platform/logging/pino-nest-logger.js';
import { createRootLogger } from '../platform/logging/root-logger.js';
import { TransportMetrics } from '../platform/metrics/transport.metrics.js';
import { withEmbeddedUhdSimulator } from './embedded-uhd-simulator.js';

export interface StartOptions {
  /** Where log lines go; standard output unless a test captures them. */
  logDestination?: DestinationStream;
  /** Bind address for both servers. */
  host?: string;
}

/**
 * Builds and starts the hybrid application (HTTP on PORT, gRPC on GRPC_PORT for the api role).
 * main.ts and the end-to-end tests both start the service through here.
 */
export async function startApp(configured: AppConfig, options: StartOptions = {}): Promise<INestApplication> {
  const logger = new PinoNestLogger(createRootLogger(configured.logLevel, options.logDestination));
  Logger.overrideLogger(logger);
  // Sign-in pre-cache: no UHD host outside production means the bundled simulator.
  const { config, embedded } = await withEmbeddedUhdSimulator(configured);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { embeddedUhd: embedded }),
    { logger, bodyParser: false, abortOnError: false },
  ).catch(async (error: unknown) => {
    await embedded?.onApplicationShutdown();
    throw error;
  });
  app.disable('x-powered-by');
  app.use(httpRequestMiddleware(app.get(TransportMetrics)));
  app.use(requireJsonContentType);
  app.use(jsonBodyMiddleware());
  const runs = roleRuns(config.role);
  if (runs.api)
    app.use(
      QUEUE_DASHBOARD_PATH,
      requireBearerToken(config.auth.adminApiToken),
      queueDashboardRouter(app.get(Queues)),
    );
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(bodyValidationPipe());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);

  // Migrations and seeding finish before either server takes a call. Redis is not waited for:
  // every Redis user starts degraded and recovers by itself when Redis comes (back).
  await app.init();
  if (runs.api) {
    const health = app.get(GrpcHealth);
    app.connectMicroservice(
      buildGrpcOptions({
        port: config.grpc.port,
        host: options.host,
        metrics: app.get(TransportMetrics),
        health,
      }),
      { inheritAppConfig: false },
    );
    await app.startAllMicroservices();
    const database = app.get(Database);
    await health.serveOnceDatabaseAnswers(() => database.ping(config.health.checkTimeoutMs));
  }
  await app.listen(config.http.port, options.host ?? '0.0.0.0');
  logger.log({
    msg: 'service started',
    role: config.role,
    httpPort: config.http.port,
    grpcPort: runs.api ? config.grpc.port : undefined,
  });
  return app;
}
