import { join } from 'node:path';
import {
  loadSync,
  type MethodDefinition,
  type PackageDefinition,
  type ServiceDefinition,
} from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '../platform/grpc/proto-loader-options.js';
import { PROTO_ROOT } from '../platform/grpc/proto-root.js';
import {
  type MessageDescriptor,
  strictRequestDeserializer,
} from '../platform/grpc/strict-request-decoding.js';

/** The contract's names (DESIGN.md): the service's clients and tests use exactly these. */
export const CUSTOMER_CONFIGURATION_PACKAGE = 'customerconfiguration.v1';
export const CUSTOMER_CONFIGURATION_SERVICE = 'CustomerConfigurationService';
export const CUSTOMER_CONFIGURATION_PROTO = join(
  PROTO_ROOT,
  'customer_configuration/v1/customer_configuration.proto',
);

export type RulesMethod = 'GetCoverageRules' | 'GetPopulationMembershipRules';

let definition: PackageDefinition | undefined;
const encoders = new Map<string, (value: object) => Buffer>();

/**
 * The package definition the gRPC server is built from, loaded once. Each response serializer
 * passes a Buffer through untouched, so the cache can answer with bytes it encoded when it
 * loaded them: a hit is never decoded or re-encoded, and clients see the same contract.
 * Each request deserializer is strict: bytes that are not a valid request message become an
 * UndecodableRequest, which the call interceptor answers with INVALID_ARGUMENT.
 */
export function customerConfigurationDefinition(): PackageDefinition {
  if (definition) return definition;
  const loaded = loadSync(CUSTOMER_CONFIGURATION_PROTO, PROTO_LOADER_OPTIONS);
  const service = loaded[
    `${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`
  ] as ServiceDefinition;
  for (const [name, method] of Object.entries(service) as Array<[string, MethodDefinition<object, object>]>) {
    const encode = method.responseSerialize;
    encoders.set(name, encode);
    method.responseSerialize = (value: object) => (Buffer.isBuffer(value) ? value : encode(value));
    method.requestDeserialize = strictRequestDeserializer(
      method.requestType.type as MessageDescriptor,
      method.requestDeserialize,
    ) as (bytes: Buffer) => object;
  }
  definition = loaded;
  return loaded;
}

/** Encodes a response of `method` exactly as the server would send it. */
export function encodeRulesResponse(method: RulesMethod, value: object): Buffer {
  customerConfigurationDefinition();
  const encode = encoders.get(method);
  if (!encode) throw new Error(`unknown method ${method}`);
  return encode(value);
}
