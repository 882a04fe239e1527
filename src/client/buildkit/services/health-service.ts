/** `grpc.health.v1.Health/Check`: the daemon polls it to know the session is still there. */
import { type GrpcHandler, unary } from '../grpc.js';
import { ProtoWriter } from '../proto.js';

/** HealthCheckResponse.ServingStatus SERVING. */
const SERVING = 1;

/** The health method and its handler. */
export function healthService(): [string, GrpcHandler][] {
  const serving = new ProtoWriter().int(1, SERVING).finish();
  return [['/grpc.health.v1.Health/Check', unary(async () => serving)]];
}
