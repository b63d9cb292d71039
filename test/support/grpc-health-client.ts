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

/** Asks `grpc.health.v1.Health/Check` like grpc_health_probe would. */
export async function grpcHealthStatus(address: string, service = ''): Promise<string> {
  const definition = loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
  const pkg = loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, creds: unknown) => HealthClient } } };
  };
  const client = new pkg.grpc.health.v1.Health(address, credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) =>
      client.check({ service }, { deadline: new Date(Date.now() + 5_000) }, (error, response) =>
        error ? reject(error) : resolve(response!.status),
      ),
    );
  } finally {
    client.close();
  }
}
