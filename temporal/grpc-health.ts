import http2 from 'node:http2';

/**
 * Asks a Temporal frontend whether its WorkflowService is SERVING, with the standard gRPC health protocol
 * over plaintext HTTP/2 (`grpc.health.v1.Health/Check`). Node-only; never import from workflow code.
 * Cheap enough to run every few seconds, and needs no Temporal SDK: the API process only loads the
 * client library when a route really needs Temporal.
 */
export const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';

export async function checkGrpcHealth(address: string, timeoutMs: number, service = WORKFLOW_SERVICE): Promise<void> {
  const session = http2.connect(`http://${address}`);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      session.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      const req = session.request({
        ':method': 'POST',
        ':path': '/grpc.health.v1.Health/Check',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const chunks: Buffer[] = [];
      let grpcStatus: string | undefined;
      let grpcMessage: string | undefined;
      const onMeta = (h: http2.IncomingHttpHeaders): void => {
        if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
        if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
      };
      req.on('response', onMeta);
      req.on('trailers', onMeta);
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('end', () => {
        clearTimeout(timer);
        if (grpcStatus !== '0') return reject(new Error(`health check failed: grpc-status ${grpcStatus ?? '?'}${grpcMessage ? ` (${grpcMessage})` : ''}`));
        const status = servingStatus(Buffer.concat(chunks));
        if (status === 1) resolve();
        else reject(new Error(`${service} is not serving (health status ${status})`));
      });
      req.end(frame(service));
    });
  } finally {
    session.destroy();
  }
}

/** A length-prefixed gRPC message holding HealthCheckRequest{ service }. */
function frame(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const message = Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** HealthCheckResponse.status (field 1, varint): 1 = SERVING. An empty message means UNKNOWN (0). */
function servingStatus(body: Buffer): number {
  const message = body.subarray(5);
  return message.length >= 2 && message[0] === 0x08 ? (message[1] ?? 0) : 0;
}
