import type { Options } from '@grpc/proto-loader';

/** Field names in camelCase, 64-bit numbers as strings, optional fields absent when unset. */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: false,
};
