/**
 * `moby.sshforward.v1.SSH`: `RUN --mount=type=ssh` reaches an ssh agent on the caller's machine.
 * Each ForwardAgent call is one connection to the agent's unix socket, its bytes carried in
 * BytesMessage frames both ways.
 */
import { connect, type Socket } from 'node:net';
import { type GrpcCall, GrpcCode, GrpcError, type GrpcHandler, unary } from '../grpc.js';
import { asBytes, asString, ProtoWriter, readFields } from '../proto.js';

/** The metadata key naming which agent a ForwardAgent call is for. */
const SSH_ID_KEY = 'buildkit.ssh.id';
const DEFAULT_ID = 'default';

/** The ssh methods and their handlers; `agents` maps an id to an agent socket path. */
export function sshService(agents: Readonly<Record<string, string>>): [string, GrpcHandler][] {
  const socketFor = (id: string) => {
    const path = Object.hasOwn(agents, id) ? agents[id] : undefined;
    if (path === undefined) throw new GrpcError(GrpcCode.notFound, `no ssh agent for id ${id}`);
    return path;
  };
  const check = unary(async (request) => {
    let id = DEFAULT_ID;
    for (const { field, value } of readFields(request)) if (field === 1) id = asString(value) || DEFAULT_ID;
    socketFor(id);
    return new Uint8Array(0);
  });
  const forward = async (call: GrpcCall) => {
    const id = String(call.metadata[SSH_ID_KEY] ?? '') || DEFAULT_ID;
    await bridge(call, await openAgent(socketFor(id)));
  };
  return [
    ['/moby.sshforward.v1.SSH/CheckAgent', check],
    ['/moby.sshforward.v1.SSH/ForwardAgent', forward],
  ];
}

function openAgent(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', () =>
      reject(new GrpcError(GrpcCode.unavailable, 'the ssh agent cannot be reached')),
    );
  });
}

/** Copy agent bytes both ways until either side ends. */
async function bridge(call: GrpcCall, agent: Socket): Promise<void> {
  call.signal.addEventListener('abort', () => agent.destroy(), { once: true });
  const fromAgent = (async () => {
    for await (const chunk of agent) await call.send(new ProtoWriter().bytes(1, chunk as Buffer).finish());
  })().catch(() => {}); // the call closing first ends the copy; nothing is left to report
  try {
    for await (const message of call.messages) {
      for (const { field, value } of readFields(message)) if (field === 1) agent.write(asBytes(value));
    }
    agent.end();
    await fromAgent;
  } finally {
    agent.destroy();
  }
}
