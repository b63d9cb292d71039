import { type RulesClient, rulesClient } from './grpc-client.js';
import { startTestApp, type TestApp } from './test-app.js';

export interface Instance {
  app: TestApp;
  client: RulesClient;
}

/**
 * The service instances of one spec, each with a gRPC client, started on a shared base
 * environment and closed together (clients first, then apps with their Redis keys).
 */
export class TestApps {
  private readonly running: Instance[] = [];

  /** `baseEnv` is read at each start, so it may name what a beforeAll set up. */
  constructor(private readonly baseEnv: () => Record<string, string> = () => ({})) {}

  async start(env: Record<string, string> = {}): Promise<Instance> {
    const app = await startTestApp({ ...this.baseEnv(), ...env });
    const instance = { app, client: rulesClient(app.grpcAddress) };
    this.running.push(instance);
    return instance;
  }

  /** Stops one instance and leaves its keys, as a crash would: the others still share them. */
  async stopKeepingKeys(instance: Instance): Promise<void> {
    this.running.splice(this.running.indexOf(instance), 1);
    instance.client.close();
    await instance.app.app.close();
  }

  async closeAll(): Promise<void> {
    const instances = this.running.splice(0);
    for (const { client } of instances) client.close();
    for (const { app } of instances) await app.close();
  }
}
