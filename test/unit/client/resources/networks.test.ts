/** Requests `docker.networks` sends for given options, without a daemon (see test/support/request-shapes.ts). */

import { Networks } from '../../../../src/client/resources/networks.js';
import {
  describeCoverage,
  describeRejections,
  describeRequestShapes,
  json,
  type RejectRow,
  type ShapeRow,
} from '../../../support/request-shapes.js';

const rows: ShapeRow[] = [
  {
    name: 'list: filters',
    call: (d) => d.networks.list({ filters: { driver: ['bridge'] } }),
    replies: [json([])],
    sends: [{ method: 'GET', path: '/networks', query: { filters: '{"driver":["bridge"]}' } }],
  },
  {
    name: 'create: the config as the body',
    call: (d) => d.networks.create({ Name: 'n1', Driver: 'bridge', Labels: { a: 'b' } }),
    replies: [{ status: 201, body: { Id: 'n1id' } }],
    sends: [
      {
        method: 'POST',
        path: '/networks/create',
        body: { Name: 'n1', Driver: 'bridge', Labels: { a: 'b' } },
      },
    ],
  },
  {
    name: 'inspect: verbose and scope',
    call: (d) => d.networks.inspect('n1', { verbose: true, scope: 'local' }),
    sends: [{ method: 'GET', path: '/networks/n1', query: { verbose: 'true', scope: 'local' } }],
  },
  {
    name: 'connect: aliases added to the endpoint config',
    call: (d) => d.networks.connect('n1', 'c1', { aliases: ['db'], endpointConfig: { Aliases: ['x'] } }),
    sends: [
      {
        method: 'POST',
        path: '/networks/n1/connect',
        body: { Container: 'c1', EndpointConfig: { Aliases: ['x', 'db'] } },
      },
    ],
  },
  {
    name: 'disconnect: force',
    call: (d) => d.networks.disconnect('n1', 'c1', { force: true }),
    sends: [{ method: 'POST', path: '/networks/n1/disconnect', body: { Container: 'c1', Force: true } }],
  },
  {
    name: 'remove',
    call: (d) => d.networks.remove('n1'),
    replies: [{ status: 204, body: '' }],
    sends: [{ method: 'DELETE', path: '/networks/n1' }],
  },
  {
    name: 'prune: filters',
    call: (d) => d.networks.prune({ filters: { label: ['a'] } }),
    replies: [json({ NetworksDeleted: null })],
    sends: [{ method: 'POST', path: '/networks/prune', query: { filters: '{"label":["a"]}' } }],
  },
];

describeRequestShapes('networks', rows);

const rejections: RejectRow[] = [
  { name: 'list: an unknown option', call: (d) => d.networks.list({ name: 'x' } as never), option: 'name' },
  {
    name: 'inspect: verbose as a string',
    call: (d) => d.networks.inspect('n1', { verbose: 'yes' as never }),
    option: 'verbose',
  },
  {
    name: 'connect: aliases not a list',
    call: (d) => d.networks.connect('n1', 'c1', { aliases: 'db' as never }),
    option: 'aliases',
  },
  {
    name: 'disconnect: an unknown option',
    call: (d) => d.networks.disconnect('n1', 'c1', { Force: true } as never),
    option: 'Force',
  },
];

describeRejections('networks', rejections);

describeCoverage('networks', { '': Networks }, [...rows, ...rejections]);
