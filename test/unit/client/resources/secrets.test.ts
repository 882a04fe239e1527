/** Requests `docker.secrets` and `docker.configs` send, without a daemon (see test/support/request-shapes.ts). */

import { Configs, Secrets } from '../../../../src/client/resources/secrets.js';
import {
  describeCoverage,
  describeRejections,
  describeRequestShapes,
  json,
  type RejectRow,
  type ShapeRow,
} from '../../../support/request-shapes.js';

/** Secrets and configs take the same calls on their own paths. */
function rows(kind: 'secrets' | 'configs'): ShapeRow[] {
  const item = { ID: 'x1', Version: { Index: 2 }, Spec: { Name: 'n', Data: 'aGk=', Labels: { a: 'b' } } };
  return [
    {
      name: `${kind}.create: data as text is sent base64-encoded`,
      call: (d) => d[kind].create({ Name: 'n', Data: 'hi' }),
      replies: [{ status: 201, body: { ID: 'x1' } }],
      sends: [{ method: 'POST', path: `/${kind}/create`, body: { Name: 'n', Data: 'aGk=' } }],
    },
    {
      name: `${kind}.list: filters`,
      call: (d) => d[kind].list({ filters: { name: ['n'] } }),
      replies: [json([])],
      sends: [{ method: 'GET', path: `/${kind}`, query: { filters: '{"name":["n"]}' } }],
    },
    {
      name: `${kind}.inspect`,
      call: (d) => d[kind].inspect('x1'),
      sends: [{ method: 'GET', path: `/${kind}/x1` }],
    },
    {
      name: `${kind}.update: the labels replaced, with the version index`,
      call: (d) => d[kind].update('x1', { Labels: { c: 'd' } }),
      replies: [json(item)],
      sends: [
        { method: 'GET', path: `/${kind}/x1` },
        {
          method: 'POST',
          path: `/${kind}/x1/update`,
          query: { version: '2' },
          body: { Name: 'n', Data: 'aGk=', Labels: { c: 'd' } },
        },
      ],
    },
    {
      name: `${kind}.remove`,
      call: (d) => d[kind].remove('x1'),
      replies: [{ status: 204, body: '' }],
      sends: [{ method: 'DELETE', path: `/${kind}/x1` }],
    },
  ];
}

/** Bad options of the methods both kinds share. */
function rejections(kind: 'secrets' | 'configs'): RejectRow[] {
  return [
    {
      name: `${kind}.create: an unknown option`,
      call: (d) => d[kind].create({ Name: 'n', Data: 'hi' }, { foo: 1 } as never),
      option: 'foo',
    },
    {
      name: `${kind}.list: an unknown option`,
      call: (d) => d[kind].list({ foo: 1 } as never),
      option: 'foo',
    },
    {
      name: `${kind}.inspect: an unknown option`,
      call: (d) => d[kind].inspect('x1', { foo: 1 } as never),
      option: 'foo',
    },
    {
      name: `${kind}.update: a change that is not an object`,
      call: (d) => d[kind].update('x1', 'x' as never),
      option: 'change',
    },
    {
      name: `${kind}.update: data is immutable`,
      call: (d) => d[kind].update('x1', { Labels: {}, Data: 'x' } as never),
      option: 'Data',
    },
    {
      name: `${kind}.update: labels that are not strings`,
      call: (d) => d[kind].update('x1', { Labels: { a: 1 } as never }),
      option: 'Labels',
    },
    {
      name: `${kind}.update: retries not an integer`,
      call: (d) => d[kind].update('x1', { Labels: {} }, { retries: 1.5 }),
      option: 'retries',
    },
    {
      name: `${kind}.remove: an unknown option`,
      call: (d) => d[kind].remove('x1', { foo: 1 } as never),
      option: 'foo',
    },
  ];
}

const all = [...rows('secrets'), ...rows('configs')];
describeRequestShapes('secrets and configs', all);

const bad = [...rejections('secrets'), ...rejections('configs')];
describeRejections('secrets and configs', bad);

describeCoverage('secrets and configs', { 'secrets.': Secrets, 'configs.': Configs }, [...all, ...bad]);
