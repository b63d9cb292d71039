import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { customerConfigurationDefinition, type RulesMethod } from '../../src/rules/rules.proto.js';

type Answer = { enrollmentChannel?: { name: string } };
type DecodingClient = Record<
  RulesMethod,
  (req: object, cb: (e: ServiceError | null, r?: Answer) => void) => void
> & {
  close(): void;
};

/**
 * A gRPC client that decodes answers and reads the channel's name from them: how a benchmark
 * tells fresh data (a name it just wrote to the database) from cached data.
 */
export function channelNameClient(address: string) {
  const pkg = loadPackageDefinition(customerConfigurationDefinition()) as unknown as {
    customerconfiguration: {
      v1: { CustomerConfigurationService: new (a: string, c: unknown) => DecodingClient };
    };
  };
  const client = new pkg.customerconfiguration.v1.CustomerConfigurationService(
    address,
    credentials.createInsecure(),
  );
  return {
    /** The channel's name as `method` answers it; undefined when the call failed. */
    name: (id: string, method: RulesMethod = 'GetCoverageRules') =>
      new Promise<string | undefined>((resolve) =>
        client[method].call(client, { enrollmentChannelId: id }, (error, response) =>
          resolve(error ? undefined : response?.enrollmentChannel?.name),
        ),
      ),
    close: () => client.close(),
  };
}
