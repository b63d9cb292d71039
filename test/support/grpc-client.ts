import { credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '../../src/platform/grpc/proto-loader-options.js';
import { CUSTOMER_CONFIGURATION_PROTO } from '../../src/rules/rules.proto.js';

type Callback = (error: ServiceError | null, response?: unknown) => void;
type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: Date },
  callback: Callback,
) => void;

export interface RulesClient {
  getCoverageRules(id: unknown, deadlineMs?: number): Promise<RpcResult>;
  getPopulationMembershipRules(id: unknown, deadlineMs?: number): Promise<RpcResult>;
  close(): void;
}

export interface RpcResult {
  code: number;
  details?: string;
  response?: Record<string, unknown> & { benefitContracts?: unknown[]; populations?: unknown[] };
}

/** A plain @grpc/grpc-js client built from the contract's proto file, as a real caller would. */
export function rulesClient(address: string): RulesClient {
  const definition = loadSync(CUSTOMER_CONFIGURATION_PROTO, PROTO_LOADER_OPTIONS);
  const pkg = loadPackageDefinition(definition) as unknown as {
    customerconfiguration: {
      v1: {
        CustomerConfigurationService: new (
          ...args: unknown[]
        ) => Record<string, UnaryMethod> & { close(): void };
      };
    };
  };
  const client = new pkg.customerconfiguration.v1.CustomerConfigurationService(
    address,
    credentials.createInsecure(),
    {
      'grpc.max_receive_message_length': -1,
    },
  );
  const call = (method: string, id: unknown, deadlineMs = 10_000) =>
    new Promise<RpcResult>((resolve) => {
      client[method].call(
        client,
        { enrollmentChannelId: id },
        new Metadata(),
        { deadline: new Date(Date.now() + deadlineMs) },
        (error, response) =>
          resolve(
            error
              ? { code: error.code, details: error.details }
              : { code: 0, response: response as RpcResult['response'] },
          ),
      );
    });
  return {
    getCoverageRules: (id, deadlineMs) => call('GetCoverageRules', id, deadlineMs),
    getPopulationMembershipRules: (id, deadlineMs) => call('GetPopulationMembershipRules', id, deadlineMs),
    close: () => client.close(),
  };
}
