import { join } from 'node:path';
import { PROTO_ROOT } from '../platform/grpc/proto-root.js';

/** The contract's names (DESIGN.md): the service's clients and tests use exactly these. */
export const CUSTOMER_CONFIGURATION_PACKAGE = 'customerconfiguration.v1';
export const CUSTOMER_CONFIGURATION_SERVICE = 'CustomerConfigurationService';
export const CUSTOMER_CONFIGURATION_PROTO = join(
  PROTO_ROOT,
  'customer_configuration/v1/customer_configuration.proto',
);
