import { afterAll, describe, expect, inject, it } from 'vitest';
import { Docker, InvalidOptionError, NotFoundError } from '../../../src/index.js';
import { GenericContainer, Network, Wait } from '../../../src/testing/index.js';
import { getSession } from '../../../src/testing/reaper/reaper.js';

const { busybox } = inject('images');
const docker = Docker.fromEnv();

afterAll(async () => {
  await docker.close();
});

describe('Network', () => {
  it('is created with the session labels and removed by stop()', async () => {
    const network = await new Network().start();
    const info = await docker.networks.inspect(network.id);
    expect(info.Name).toBe(network.name);
    expect(network.name).toMatch(/^berth-[0-9a-f]{12}$/);
    expect(info.Labels).toMatchObject((await getSession(docker)).labels);
    await network.stop();
    await network.stop();
    await expect(docker.networks.inspect(network.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lets containers reach each other by alias', async () => {
    await using network = await new Network().start();
    await using web = await new GenericContainer(busybox)
      .withCommand([
        'sh',
        '-c',
        'mkdir -p /www; echo "hello from web" > /www/index.html; exec httpd -f -p 8080 -h /www',
      ])
      .withNetwork(network)
      .withNetworkAliases('web', 'www')
      .withExposedPorts(8080)
      .start();
    await using client = await new GenericContainer(busybox)
      .withCommand(['sleep', '600'])
      .withNetwork(network.name)
      .withWaitStrategy(Wait.forSuccessfulCommand(['true']))
      .start();
    expect(web.getNetworkNames()).toEqual([network.name]);
    expect(web.getIpAddress(network.name)).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const alias of ['web', 'www']) {
      const res = await client.exec(['wget', '-q', '-O', '-', `http://${alias}:8080/`]);
      expect(res).toEqual({ exitCode: 0, stdout: 'hello from web\n', stderr: '' });
    }
    expect(() => client.getIpAddress('bridge')).toThrow(InvalidOptionError);
  });

  it('rejects a bad name before any request', () => {
    expect(() => new Network({ name: 'no spaces' })).toThrow(InvalidOptionError);
  });
});
