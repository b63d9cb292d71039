import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  CUSTOMER_CONFIGURATION_PACKAGE,
  CUSTOMER_CONFIGURATION_SERVICE,
  customerConfigurationDefinition,
} from '../../src/rules/rules.proto.js';

/**
 * The limit of this stack: a bare grpc-js server that answers every call with the same
 * pre-encoded bytes (read from a file), doing nothing else. The service's hit path is compared
 * against it with the same client.
 */
const { values } = parseArgs({ options: { port: { type: 'string' }, payload: { type: 'string' } } });
const payload = readFileSync(values.payload!);
const service = customerConfigurationDefinition()[
  `${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`
] as unknown as ServiceDefinition;
const answer: UntypedServiceImplementation[string] = (
  _call: unknown,
  callback: (e: null, v: Buffer) => void,
) => callback(null, payload);

const server = new Server();
server.addService(service, { GetCoverageRules: answer, GetPopulationMembershipRules: answer });
server.bindAsync(`127.0.0.1:${values.port}`, ServerCredentials.createInsecure(), (error) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
