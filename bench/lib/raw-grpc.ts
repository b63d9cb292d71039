import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import {
  CUSTOMER_CONFIGURATION_PACKAGE,
  CUSTOMER_CONFIGURATION_SERVICE,
  customerConfigurationDefinition,
  type RulesMethod,
} from '../../src/rules/rules.proto.js';

/**
 * A gRPC client that sends real requests but keeps responses as bytes: a load generator that
 * decoded 400 KB messages in JavaScript would measure itself, not the server.
 */
export class RawRulesClient {
  private readonly client: Client;
  private readonly service: ServiceDefinition;

  constructor(address: string) {
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': -1,
    });
    this.service = customerConfigurationDefinition()[
      `${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`
    ] as ServiceDefinition;
  }

  call(
    method: RulesMethod,
    channelId: string,
    deadlineMs = 5_000,
  ): Promise<{ code: number; bytes?: Buffer }> {
    const definition = this.service[method] as MethodDefinition<object, object>;
    return new Promise((resolve) => {
      this.client.makeUnaryRequest<object, Buffer>(
        definition.path,
        (request) => definition.requestSerialize(request),
        (bytes) => bytes,
        { enrollmentChannelId: channelId },
        new Metadata(),
        { deadline: new Date(Date.now() + deadlineMs) },
        (error: ServiceError | null, bytes?: Buffer) =>
          resolve(error ? { code: error.code } : { code: 0, bytes }),
      );
    });
  }

  close() {
    this.client.close();
  }
}

/** Resolves once a server answers OK at `address` (or rejects after `timeoutMs`). */
export async function waitForGrpc(address: string, channelId: string, timeoutMs = 30_000) {
  const client = new RawRulesClient(address);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if ((await client.call('GetCoverageRules', channelId, 1_000)).code === 0) return;
      if (Date.now() > deadline) throw new Error(`no gRPC server answering at ${address}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
}
