import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

type HealthClient = {
  check(
    request: { service: string },
    options: { deadline: Date },
    cb: (e: ServiceError | null, r?: { status: string }) => void,
  ): void;
  close(): void;
};
type HealthConstructor = new (address: string, creds: unknown) => HealthClient;

let Health: HealthConstructor | undefined;

/**
 * One `grpc.health.v1.Health/Check`, as grpc_health_probe asks it: the status, or undefined when
 * the call failed. A new channel each time, so a server that was not listening a moment ago is
 * tried at once rather than after grpc-js's reconnect backoff.
 */
export async function grpcHealthCheck(address: string, deadlineMs = 1_000): Promise<string | undefined> {
  Health ??= (
    loadPackageDefinition(
      loadSync(protoPath, { keepCase: true, enums: String, defaults: true }),
    ) as unknown as {
      grpc: { health: { v1: { Health: HealthConstructor } } };
    }
  ).grpc.health.v1.Health;
  const client = new Health(address, credentials.createInsecure());
  try {
    return await new Promise((resolve) =>
      client.check({ service: '' }, { deadline: new Date(Date.now() + deadlineMs) }, (error, response) =>
        resolve(error ? undefined : response?.status),
      ),
    );
  } finally {
    client.close();
  }
}
