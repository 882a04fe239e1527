/**
 * Decoding of the `moby.buildkit.trace` messages of a BuildKit build: each one's `aux` is a base64
 * protobuf StatusResponse (moby/buildkit api/services/control/control.proto) holding vertexes
 * (build steps), statuses (transfer progress), logs and warnings.
 */
import { asBool, asBytes, asInt, asString, type FieldValue, readFields } from './proto.js';

/** A build step (LLB vertex) as it starts, completes, is cached or fails. */
export interface VertexEvent {
  kind: 'vertex';
  /** The vertex digest, `sha256:…`; logs and statuses refer to it. */
  digest: string;
  /** The digests of the vertexes this one depends on. */
  inputs: string[];
  /** What the step does, e.g. `[2/3] RUN make`. */
  name: string;
  cached: boolean;
  started: Date | undefined;
  completed: Date | undefined;
  /** Why the step failed, when it did. */
  error: string | undefined;
}

/** Progress of one part of a step, e.g. bytes of a layer or a context transfer. */
export interface StatusEvent {
  kind: 'status';
  id: string;
  /** The digest of the step it belongs to. */
  vertex: string;
  name: string;
  current: number;
  total: number;
  timestamp: Date | undefined;
  started: Date | undefined;
  completed: Date | undefined;
}

/** Output a step's process printed. */
export interface LogEvent {
  kind: 'log';
  /** The digest of the step that printed it. */
  vertex: string;
  /** 1 for stdout, 2 for stderr. */
  stream: number;
  data: Uint8Array;
  timestamp: Date | undefined;
}

/** A warning the frontend raised, e.g. a deprecated Dockerfile form. */
export interface WarningEvent {
  kind: 'warning';
  vertex: string;
  level: number;
  short: string;
  detail: string[];
  url: string;
}

/** A typed progress event of a BuildKit build. */
export type BuildKitEvent = VertexEvent | StatusEvent | LogEvent | WarningEvent;

/** The events of one StatusResponse, vertexes first, as BuildKit orders them. */
export function decodeStatusResponse(bytes: Uint8Array): BuildKitEvent[] {
  const events: BuildKitEvent[] = [];
  for (const { field, value } of readFields(bytes)) {
    const message = asBytes(value);
    if (field === 1) events.push(decodeVertex(message));
    else if (field === 2) events.push(decodeStatus(message));
    else if (field === 3) events.push(decodeLog(message));
    else if (field === 4) events.push(decodeWarning(message));
  }
  return events;
}

function decodeVertex(bytes: Uint8Array): VertexEvent {
  const vertex: VertexEvent = {
    kind: 'vertex',
    digest: '',
    inputs: [],
    name: '',
    cached: false,
    started: undefined,
    completed: undefined,
    error: undefined,
  };
  for (const { field, value } of readFields(bytes)) {
    if (field === 1) vertex.digest = asString(value);
    else if (field === 2) vertex.inputs.push(asString(value));
    else if (field === 3) vertex.name = asString(value);
    else if (field === 4) vertex.cached = asBool(value);
    else if (field === 5) vertex.started = decodeTimestamp(value);
    else if (field === 6) vertex.completed = decodeTimestamp(value);
    else if (field === 7) vertex.error = asString(value) || undefined;
  }
  return vertex;
}

function decodeStatus(bytes: Uint8Array): StatusEvent {
  const status: StatusEvent = {
    kind: 'status',
    id: '',
    vertex: '',
    name: '',
    current: 0,
    total: 0,
    timestamp: undefined,
    started: undefined,
    completed: undefined,
  };
  for (const { field, value } of readFields(bytes)) {
    if (field === 1) status.id = asString(value);
    else if (field === 2) status.vertex = asString(value);
    else if (field === 3) status.name = asString(value);
    else if (field === 4) status.current = asInt(value);
    else if (field === 5) status.total = asInt(value);
    else if (field === 6) status.timestamp = decodeTimestamp(value);
    else if (field === 7) status.started = decodeTimestamp(value);
    else if (field === 8) status.completed = decodeTimestamp(value);
  }
  return status;
}

function decodeLog(bytes: Uint8Array): LogEvent {
  const log: LogEvent = { kind: 'log', vertex: '', stream: 0, data: new Uint8Array(0), timestamp: undefined };
  for (const { field, value } of readFields(bytes)) {
    if (field === 1) log.vertex = asString(value);
    else if (field === 2) log.timestamp = decodeTimestamp(value);
    else if (field === 3) log.stream = asInt(value);
    else if (field === 4) log.data = Uint8Array.from(asBytes(value));
  }
  return log;
}

function decodeWarning(bytes: Uint8Array): WarningEvent {
  const warning: WarningEvent = { kind: 'warning', vertex: '', level: 0, short: '', detail: [], url: '' };
  for (const { field, value } of readFields(bytes)) {
    if (field === 1) warning.vertex = asString(value);
    else if (field === 2) warning.level = asInt(value);
    else if (field === 3) warning.short = asString(value);
    else if (field === 4) warning.detail.push(asString(value));
    else if (field === 5) warning.url = asString(value);
  }
  return warning;
}

/** google.protobuf.Timestamp: seconds (1) and nanos (2). */
function decodeTimestamp(value: FieldValue): Date {
  let seconds = 0;
  let nanos = 0;
  for (const { field, value: v } of readFields(asBytes(value))) {
    if (field === 1) seconds = asInt(v);
    else if (field === 2) nanos = asInt(v);
  }
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6));
}
