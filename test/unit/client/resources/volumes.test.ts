/** Requests `docker.volumes` sends for given options, without a daemon (see test/support/request-shapes.ts). */

import { Volumes } from '../../../../src/client/resources/volumes.js';
import {
  describeCoverage,
  describeRejections,
  describeRequestShapes,
  json,
  type RejectRow,
  type ShapeRow,
} from '../../../support/request-shapes.js';

const none = { status: 204, body: '' };
const anonymous = 'f'.repeat(64);

const rows: ShapeRow[] = [
  {
    name: 'list: filters',
    call: (d) => d.volumes.list({ filters: { dangling: ['true'] } }),
    replies: [json({ Volumes: null, Warnings: null })],
    sends: [{ method: 'GET', path: '/volumes', query: { filters: '{"dangling":["true"]}' } }],
  },
  {
    name: 'create: the config as the body',
    call: (d) => d.volumes.create({ Name: 'v1', Labels: { a: 'b' } }),
    replies: [{ status: 201, body: { Name: 'v1' } }],
    sends: [{ method: 'POST', path: '/volumes/create', body: { Name: 'v1', Labels: { a: 'b' } } }],
  },
  {
    name: 'inspect: a name escaped in the path',
    call: (d) => d.volumes.inspect('a b'),
    replies: [json({ Name: 'a b' })],
    sends: [{ method: 'GET', path: '/volumes/a%20b' }],
  },
  {
    name: 'remove: force',
    call: (d) => d.volumes.remove('v1', { force: true }),
    replies: [none],
    sends: [{ method: 'DELETE', path: '/volumes/v1', query: { force: 'true' } }],
  },
  {
    name: 'prune on API 1.41: unused anonymous volumes removed one by one',
    call: (d) => d.volumes.prune({ filters: { label: ['a'] } }),
    replies: [json({ Volumes: [{ Name: anonymous }, { Name: 'named' }], Warnings: null }), none],
    sends: [
      { method: 'GET', path: '/volumes', query: { filters: '{"label":["a"],"dangling":["true"]}' } },
      { method: 'DELETE', path: `/volumes/${anonymous}` },
    ],
  },
  {
    name: 'prune on API 1.41 with all: the daemon prunes named ones too, no all filter',
    call: (d) => d.volumes.prune({ all: true }),
    replies: [json({ VolumesDeleted: null, SpaceReclaimed: 0 })],
    sends: [{ method: 'POST', path: '/volumes/prune', query: { filters: '{}' } }],
  },
  {
    name: 'prune on API 1.42+: the daemon prunes anonymous ones itself',
    apiVersion: '1.55',
    call: (d) => d.volumes.prune(),
    replies: [json({ VolumesDeleted: null, SpaceReclaimed: 0 })],
    sends: [{ method: 'POST', path: '/volumes/prune', query: { filters: '{}' } }],
  },
  {
    name: 'prune on API 1.42+ with all: the all filter',
    apiVersion: '1.55',
    call: (d) => d.volumes.prune({ all: true }),
    replies: [json({ VolumesDeleted: null, SpaceReclaimed: 0 })],
    sends: [{ method: 'POST', path: '/volumes/prune', query: { filters: '{"all":["true"]}' } }],
  },
];

describeRequestShapes('volumes', rows);

const rejections: RejectRow[] = [
  {
    name: 'list: an unknown option',
    call: (d) => d.volumes.list({ dangling: true } as never),
    option: 'dangling',
  },
  {
    name: 'remove: force as a string',
    call: (d) => d.volumes.remove('v1', { force: 'yes' as never }),
    option: 'force',
  },
  { name: 'prune: all as a string', call: (d) => d.volumes.prune({ all: 'yes' as never }), option: 'all' },
];

describeRejections('volumes', rejections);

describeCoverage('volumes', { '': Volumes }, [...rows, ...rejections]);
