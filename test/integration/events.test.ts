import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AbortError, Docker, type DockerEvent, InvalidOptionError } from '../../src/index.js';
import { engineSocket } from '../support/engine.js';

const SOCKET = engineSocket();
const docker = Docker.fromEnv();
const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'events', 'berth.run': run };
let image: string;

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters: { label: [`berth.run=${run}`] } });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await docker.close();
});

/** Create, start, wait for and remove a labelled container; resolves with its id. */
async function lifecycle(marker: string): Promise<string> {
  const { Id } = await docker.containers.create({
    Image: image,
    Cmd: ['true'],
    Labels: { ...labels, 'berth.marker': marker },
  });
  await docker.containers.start(Id);
  await docker.containers.wait(Id);
  await docker.containers.remove(Id);
  return Id;
}

/** A client whose sockets the test can see. */
function ownClient(options: { idle?: number } = {}) {
  const sockets: Socket[] = [];
  const pool = new Pool('http://localhost', {
    connect: (_, ready) => {
      const socket = connect(SOCKET, () => ready(null, socket));
      sockets.push(socket);
    },
  });
  const client = new Docker({ env: {}, socketPath: SOCKET, dispatcher: pool, timeouts: options });
  const open = () => sockets.filter((s) => !s.destroyed);
  return { pool, client, open };
}

describe('events', () => {
  it('replays a container lifecycle from `since` and closes the stream once `destroy` arrives', async () => {
    const since = new Date();
    const marker = randomBytes(4).toString('hex');
    const id = await lifecycle(marker);

    const seen: DockerEvent[] = [];
    for await (const event of docker.system.events({
      since,
      filters: { label: [`berth.marker=${marker}`] },
    })) {
      seen.push(event);
      if (event.Action === 'destroy') break;
    }
    expect(seen.map((e) => e.Action)).toEqual(['create', 'start', 'die', 'destroy']);
    for (const event of seen) {
      expect(event).toMatchObject({ Type: 'container', scope: 'local', Actor: { ID: id } });
      expect(event.Actor?.Attributes).toMatchObject({ 'berth.marker': marker, image });
      expect(event.time).toBeGreaterThanOrEqual(Math.floor(since.getTime() / 1000));
      // 20.10's legacy keys, typed as optional extras.
      expect(event).toMatchObject({ status: event.Action, id, from: image });
    }
    expect(seen[2]!.Actor?.Attributes?.exitCode).toBe('0');
  });

  it('delivers events to an open stream and closes its connection when the loop breaks', async () => {
    const { pool, client, open } = ownClient();
    try {
      await client.apiVersion();
      const marker = randomBytes(4).toString('hex');
      // `since` covers the moment between sending the request and the daemon subscribing it.
      const filters = { label: [`berth.marker=${marker}`], event: ['start'] };
      const started = client.system.events({ filters, since: new Date() }).find(() => true);
      await expect.poll(() => pool.stats.running).toBe(1);
      const [carrier] = open(); // the keep-alive socket of the version check carries the stream
      expect(open()).toHaveLength(1);
      const id = await lifecycle(marker);
      expect((await started)?.Actor?.ID).toBe(id);
      await expect.poll(() => carrier!.destroyed, { timeout: 1000 }).toBe(true);
    } finally {
      await client.close();
      await pool.destroy(); // close() would wait for a stream a failed assertion left open
    }
  });

  it('stays open through silence longer than the idle timeout, until its signal fires', async () => {
    const { pool, client, open } = ownClient({ idle: 200 });
    try {
      await client.apiVersion();
      const controller = new AbortController();
      const nothing = { label: [`berth.marker=never-${run}`] };
      const opened = Date.now();
      setTimeout(() => controller.abort(), 1000);
      let carrier: Socket | undefined;
      setTimeout(() => ([carrier] = open()), 500);
      const consume = async () => {
        for await (const _ of client.system.events({ filters: nothing, signal: controller.signal })) {
          // nothing matches the filter: the stream stays silent
        }
      };
      await expect(consume()).rejects.toBeInstanceOf(AbortError);
      expect(Date.now() - opened).toBeGreaterThanOrEqual(950);
      await expect.poll(() => carrier?.destroyed, { timeout: 1000 }).toBe(true);
    } finally {
      await client.close();
      await pool.destroy(); // close() would wait for a stream a failed assertion left open
    }
  });

  it('ends by itself when `until` has passed, given as a Date, unix seconds, RFC 3339 or a duration', async () => {
    const since = new Date();
    const marker = randomBytes(4).toString('hex');
    await lifecycle(marker);
    const filters = { label: [`berth.marker=${marker}`] };
    // A Date has millisecond precision and event times nanosecond: one ms later covers `destroy`.
    const until = new Date(Date.now() + 1);

    const collect = async (options: Parameters<typeof docker.system.events>[0]) => {
      const actions: (string | undefined)[] = [];
      for await (const event of docker.system.events({ filters, ...options })) actions.push(event.Action);
      return actions;
    };
    const lifecycleActions = ['create', 'start', 'die', 'destroy'];
    expect(await collect({ since, until })).toEqual(lifecycleActions);
    expect(await collect({ since: since.getTime() / 1000, until: until.getTime() / 1000 })).toEqual(
      lifecycleActions,
    );
    expect(await collect({ since: since.toISOString(), until: until.toISOString() })).toEqual(
      lifecycleActions,
    );
    // Durations count back from now, as with the docker CLI's --since 1h.
    expect(await collect({ since: '1h', until: '0s' })).toEqual(lifecycleActions);
    expect(await collect({ until: new Date(Date.now() - 60_000) })).toEqual([]);
  });

  it('rejects an invalid time before anything is sent', () => {
    expect(() => docker.system.events({ since: new Date('not a date') })).toThrow(InvalidOptionError);
    expect(() => docker.system.events({ until: -1 })).toThrow(/until/);
    expect(() => docker.system.events({ since: 'yesterday-ish' })).toThrow(InvalidOptionError);
  });
});
