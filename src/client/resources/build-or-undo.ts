/**
 * A classic build that leaves nothing behind when it is aborted. Cutting the connection is not
 * enough: the daemon notices the client has gone only between steps, and commits what the step
 * under way produced. So an abort half-closes the connection instead: the daemon cancels the build
 * and reports, on the same stream, every image it committed up to the end. berth reads it to that
 * end (bounded by UNDO_WAIT_MS), removes the images and step containers the build made, and only
 * then rejects with the AbortError. Where the connection is cut all the same (an intermediary that
 * does not pass a half-close on, TLS, ssh), berth waits for the step under way to be committed or
 * dropped and removes its image too. A build without a signal streams as it always did.
 */
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { RawBody } from '../api/request-types.js';
import type { EngineApi } from '../api/typed-engine-api.js';
import { AbortError, isDockerError, type RequestInfo } from '../errors.js';
import type { ProgressSource } from '../streams/progress.js';

/** Longest wait, after an abort, for the daemon to wind the build down before the connection is cut. */
export const UNDO_WAIT_MS = 15_000;

/** What `POST /build` is sent, apart from the signal. */
export interface BuildRequest {
  query: Record<string, unknown>;
  header: Record<string, string | undefined>;
  body: RawBody;
}

const buildInfo: RequestInfo = { method: 'POST', path: '/build' };

/** Start a build whose abort removes what it created; see the module comment. */
export async function buildOrUndo(
  api: EngineApi,
  request: BuildRequest,
  signal: AbortSignal | undefined,
): Promise<ProgressSource> {
  const send = (options: object) => api.stream('post', '/build', { ...request, ...options } as never);
  if (!signal) return send({});
  if (signal.aborted) throw new AbortError(buildInfo, { cause: signal.reason });
  let res: Awaited<ReturnType<typeof send>>;
  try {
    res = await send({ halfClose: signal });
  } catch (err) {
    // Cancelled before any output: the daemon answers with an error status and has built nothing.
    if (signal.aborted) throw new AbortError(buildInfo, { cause: signal.reason });
    throw err;
  }
  return { body: undoOnAbort(api, res.body, signal, res.request), request: res.request };
}

/**
 * The build's body, chunk by chunk, while a scanner notes what the build creates. Once the signal
 * has fired nothing more is handed on: the rest is read here, what was created is removed, and the
 * iteration fails with an AbortError.
 */
async function* undoOnAbort(
  api: EngineApi,
  body: Readable,
  signal: AbortSignal,
  request: RequestInfo,
): AsyncGenerator<Uint8Array> {
  const scanner = buildScanner();
  // The daemon normally ends the stream soon after the half-close; a stuck one is cut off.
  let timer: NodeJS.Timeout | undefined;
  const cutOff = () => {
    timer = setTimeout(() => body.destroy(), UNDO_WAIT_MS);
  };
  if (signal.aborted) cutOff();
  else signal.addEventListener('abort', cutOff, { once: true });
  let ended = false;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      scanner.feed(chunk);
      if (!signal.aborted) yield chunk;
    }
    ended = true;
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', cutOff);
    clearTimeout(timer);
  }
  if (!signal.aborted) return;
  const artifacts = scanner.result();
  // Cut short (an intermediary that does not pass a half-close on closes the connection): the
  // step under way may still commit, after the last message read.
  if (!ended) await catchLateCommit(api, artifacts);
  await removeCreated(api, artifacts);
  throw new AbortError(request, { cause: signal.reason });
}

/** What a build reported creating: images newest last, its step containers, and where it stood. */
export interface BuildArtifacts {
  images: string[];
  containers: string[];
  /** The image the step under way builds on: the last one reported. */
  tip: string | undefined;
  /** The container of the step under way, when its image was not reported yet. */
  stepContainer: string | undefined;
}

/**
 * Find the image the step under way may commit after the connection was cut. The classic builder
 * removes a step's container only after committing its image, so once that container is gone its
 * image, if any, exists: the child of the tip made from it. When the cut came before the step's
 * container was reported, any container and child image of the tip count, provided the tip is this
 * build's own image (a base image is shared with whoever else builds on it). Waits at most
 * UNDO_WAIT_MS.
 */
async function catchLateCommit(api: EngineApi, artifacts: BuildArtifacts): Promise<void> {
  const { tip, stepContainer } = artifacts;
  if (tip === undefined) return;
  const parent = (await api.get('/images/{name}/json', { path: { name: tip } }).catch(ignoreGone))?.Id;
  if (parent === undefined) return;
  const deadline = Date.now() + UNDO_WAIT_MS;
  if (stepContainer !== undefined) {
    const stepGone = async () => !(await containerExists(api, stepContainer));
    while (Date.now() < deadline && !(await stepGone())) await delay(POLL_MS);
    for (const child of await childImages(api, parent)) {
      const image = await api.get('/images/{name}/json', { path: { name: child } }).catch(ignoreGone);
      if (image?.Container?.startsWith(stepContainer)) artifacts.images.push(child);
    }
    return;
  }
  if (!artifacts.images.some((id) => parent.replace(/^sha256:/, '').startsWith(id))) return;
  const stepsGone = async () =>
    (await api.get('/containers/json', { query: { all: true, filters: { ancestor: [parent] } } })).length ===
    0;
  while (Date.now() < deadline && !(await stepsGone())) await delay(POLL_MS);
  for (let level = [parent]; level.length > 0; ) {
    const next = (await Promise.all(level.map((id) => childImages(api, id)))).flat();
    artifacts.images.push(...next);
    level = next;
  }
}

const POLL_MS = 100;

async function childImages(api: EngineApi, parent: string): Promise<string[]> {
  const all = await api.get('/images/json', { query: { all: true } });
  return all.filter((image) => image.ParentId === parent).map((image) => image.Id);
}

async function containerExists(api: EngineApi, id: string): Promise<boolean> {
  try {
    await api.get('/containers/{id}/json', { path: { id } });
    return true;
  } catch (err) {
    ignoreGone(err);
    return false; // removed, or the daemon unreachable: nothing to wait for
  }
}

/**
 * Reads a classic build's JSON lines (Docker's `Step 1/3 : FROM`, ` ---> <id>`, ` ---> Running in
 * <id>`, `Successfully built <id>`, the aux `ID`; Podman's `STEP 1/3: FROM` and `--> <id>`). The
 * image a FROM step names and one taken from the cache existed before the build: they are left out.
 */
export function buildScanner(): { feed(chunk: Uint8Array): void; result(): BuildArtifacts } {
  const images: string[] = [];
  const containers: string[] = [];
  let tip: string | undefined;
  let stepContainer: string | undefined;
  const decoder = new TextDecoder();
  let pending = '';
  let preexisting = false;
  const add = (list: string[], id: string) => {
    if (!list.includes(id)) list.push(id);
  };
  const line = (text: string) => {
    if (/^\s*(Step \d+\/\d+ : |STEP \d+\/\d+: )FROM /i.test(text)) preexisting = true;
    else if (/^\s*-+> Using cache/.test(text)) preexisting = true;
    const running = /^\s*-+> Running in ([0-9a-f]{12,64})\s*$/.exec(text)?.[1];
    if (running !== undefined) {
      stepContainer = running;
      return add(containers, running);
    }
    const id = /^\s*(?:-+> |Successfully built )(?:sha256:)?([0-9a-f]{12,64})\s*$/.exec(text)?.[1];
    if (id === undefined) return;
    if (!preexisting) add(images, id);
    preexisting = false;
    tip = id;
    stepContainer = undefined;
  };
  const message = (json: string) => {
    let parsed: { stream?: unknown; aux?: { ID?: unknown } };
    try {
      parsed = JSON.parse(json);
    } catch {
      return; // the build's own reader reports malformed lines
    }
    if (typeof parsed.aux?.ID === 'string') add(images, parsed.aux.ID.replace(/^sha256:/, ''));
    if (typeof parsed.stream === 'string') for (const text of parsed.stream.split('\n')) line(text);
  };
  return {
    feed(chunk) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop()!;
      // Only lines that may name a step, an id or the result are decoded: a step's own output is not.
      for (const json of lines) if (worthReading.test(json)) message(json);
    },
    result() {
      if (pending.trim() !== '') message(pending);
      pending = '';
      return { images: dedupe(images), containers, tip, stepContainer };
    },
  };
}

/** Docker writes `>` as `\u003e` in its JSON. */
const worthReading = /-(?:>|\\u003e) |Step \d|STEP \d|"aux"|Successfully built/;

/** A short id and the full one it begins are the same image: keep the first place it appeared. */
function dedupe(ids: string[]): string[] {
  return ids.filter(
    (id, i) => !ids.some((other, j) => j < i && (other.startsWith(id) || id.startsWith(other))),
  );
}

/** Newest image first (a parent cannot go before its child); what is already gone is fine. */
async function removeCreated(api: EngineApi, { images, containers }: BuildArtifacts): Promise<void> {
  for (const id of containers) {
    await api.delete('/containers/{id}', { path: { id }, query: { force: true } }).catch(ignoreGone);
  }
  for (const name of [...images].reverse()) {
    await api.delete('/images/{name}', { path: { name }, query: { force: true } }).catch(ignoreGone);
  }
}

/** Already removed (or the daemon unreachable): nothing more can be done from here. */
function ignoreGone(err: unknown): undefined {
  if (!isDockerError(err)) throw err;
  return undefined;
}
