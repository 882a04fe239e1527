/** Requests `docker.secrets` and `docker.configs` send, without a daemon (see test/support/request-shapes.ts). */

import { Configs, Secrets } from '../../../../src/client/resources/secrets.js';
import {
  describeCoverage,
  describeRequestShapes,
  json,
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

const all = [...rows('secrets'), ...rows('configs')];
describeRequestShapes('secrets and configs', all);

describeCoverage('secrets and configs', { 'secrets.': Secrets, 'configs.': Configs }, all);
