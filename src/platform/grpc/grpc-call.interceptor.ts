import {
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { requestIdFrom, runWithRequestContext } from '../logging/request-context.js';
import type { TransportMetrics } from '../metrics/transport.metrics.js';
import { UndecodableRequest } from './strict-request-decoding.js';

const REQUEST_ID_HEADER = 'x-request-id';
const CLIENT_FAULTS = new Set<number>([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.CANCELLED,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.UNIMPLEMENTED,
]);

/**
 * Wraps every gRPC call at the grpc-js level, where the real outcome is known (including
 * DEADLINE_EXCEEDED and errors raised before Nest sees the call): a request id (from the
 * caller's `x-request-id` or new) for the logs and the response metadata, the
 * `grpc_server_handling_seconds` histogram, and one log line per call. A request its strict
 * deserializer could not decode is answered here with INVALID_ARGUMENT; the handler never runs.
 */
export function grpcCallInterceptor(metrics: TransportMetrics): ServerInterceptor {
  const logger = new Logger('GrpcServer');
  return (descriptor, call: ServerInterceptingCallInterface) => {
    const [, service = 'unknown', method = 'unknown'] = descriptor.path.split('/');
    const started = process.hrtime.bigint();
    let requestId = '';
    let statusSent = false;

    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata: Metadata, mdNext) {
            requestId = requestIdFrom(metadata.get(REQUEST_ID_HEADER)[0]?.toString());
            mdNext(metadata);
          },
          onReceiveMessage(message, msgNext) {
            if (message instanceof UndecodableRequest) {
              // Not passing the message on also holds back the half-close: the handler never runs.
              intercepted.sendStatus({ code: status.INVALID_ARGUMENT, details: message.problem });
              return;
            }
            runWithRequestContext({ requestId }, () => msgNext(message));
          },
          onReceiveHalfClose(hcNext) {
            if (statusSent) return;
            // The unary handler runs from here: give it the request's context for its logs.
            runWithRequestContext({ requestId }, hcNext);
          },
        });
      },
      sendMetadata(metadata, next) {
        metadata.set(REQUEST_ID_HEADER, requestId);
        next(metadata);
      },
      sendStatus(callStatus, next) {
        if (statusSent) return;
        statusSent = true;
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const code = status[callStatus.code] ?? String(callStatus.code);
        metrics.grpcCallHandled(service, method, code, seconds);
        const line = {
          msg: 'grpc call',
          requestId,
          grpcService: service,
          grpcMethod: method,
          grpcCode: code,
          durationMs: Math.round(seconds * 1e4) / 10,
        };
        if (callStatus.code === status.OK) logger.debug(line);
        else if (CLIENT_FAULTS.has(callStatus.code)) logger.log(line);
        else logger.warn(line);
        next(callStatus);
      },
    });
    return intercepted;
  };
}
