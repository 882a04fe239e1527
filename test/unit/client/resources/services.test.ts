/** Requests `docker.services` and `docker.tasks` send, without a daemon (see test/support/request-shapes.ts). */

import { Services, Tasks } from '../../../../src/client/resources/services.js';
import {
  describeCoverage,
  describeRejections,
  describeRequestShapes,
  json,
  type RejectRow,
  registryAuthHeader,
  type ShapeRow,
} from '../../../support/request-shapes.js';

const auth = { username: 'u', password: 'p' };
const authHeader = registryAuthHeader(auth);
const spec = {
  Name: 'web',
  TaskTemplate: { ContainerSpec: { Image: 'busybox' } },
  Mode: { Replicated: { Replicas: 1 } },
};
const service = { ID: 'sv1', Version: { Index: 9 }, Spec: spec };

const rows: ShapeRow[] = [
  {
    name: 'create: the spec as the body, the credentials in X-Registry-Auth',
    call: (d) => d.services.create(spec, { auth }),
    replies: [{ status: 201, body: { ID: 'sv1' } }],
    sends: [
      { method: 'POST', path: '/services/create', body: spec, headers: { 'x-registry-auth': authHeader } },
    ],
  },
  {
    name: 'inspect: insertDefaults',
    call: (d) => d.services.inspect('sv1', { insertDefaults: true }),
    sends: [{ method: 'GET', path: '/services/sv1', query: { insertDefaults: 'true' } }],
  },
  {
    name: 'list: filters',
    call: (d) => d.services.list({ filters: { name: ['web'] } }),
    replies: [json([])],
    sends: [{ method: 'GET', path: '/services', query: { filters: '{"name":["web"]}' } }],
  },
  {
    name: 'scale: read, then write the replicas with the version index',
    call: (d) => d.services.scale('sv1', 3, { auth }),
    replies: [json(service)],
    sends: [
      { method: 'GET', path: '/services/sv1' },
      {
        method: 'POST',
        path: '/services/sv1/update',
        query: { version: '9' },
        body: { ...spec, Mode: { Replicated: { Replicas: 3 } } },
        headers: { 'x-registry-auth': authHeader },
      },
    ],
  },
  {
    name: 'rollback: the previous spec',
    call: (d) => d.services.rollback('sv1', { auth }),
    replies: [json(service)],
    sends: [
      { method: 'GET', path: '/services/sv1' },
      {
        method: 'POST',
        path: '/services/sv1/update',
        query: { version: '9', rollback: 'previous' },
        body: spec,
      },
    ],
  },
  {
    name: 'remove',
    call: (d) => d.services.remove('sv1'),
    sends: [{ method: 'DELETE', path: '/services/sv1' }],
  },
  {
    name: 'logs: the flags, on API 1.42+ no lookup of the framing',
    apiVersion: '1.55',
    call: (d) => d.services.logs('sv1', { stdout: true, tail: '5' }).text(),
    replies: [{ status: 200, body: '' }],
    sends: [{ method: 'GET', path: '/services/sv1/logs', query: { stdout: 'true', tail: '5' } }],
  },
  {
    name: 'tasks.list: filters',
    call: (d) => d.tasks.list({ filters: { service: ['sv1'] } }),
    replies: [json([])],
    sends: [{ method: 'GET', path: '/tasks', query: { filters: '{"service":["sv1"]}' } }],
  },
  {
    name: 'tasks.inspect',
    call: (d) => d.tasks.inspect('t1'),
    sends: [{ method: 'GET', path: '/tasks/t1' }],
  },
  {
    name: 'tasks.logs: below API 1.42 the task is inspected for its TTY',
    call: (d) => d.tasks.logs('t1', { stderr: true }).text(),
    replies: [{ status: 200, body: '' }, json({ Spec: { ContainerSpec: { TTY: false } } })],
    sends: [
      { method: 'GET', path: '/tasks/t1/logs', query: { stderr: 'true' } },
      { method: 'GET', path: '/tasks/t1' },
    ],
  },
];

describeRequestShapes('services', rows);

const rejections: RejectRow[] = [
  {
    name: 'create: a container spec without an image',
    call: (d) => d.services.create({ TaskTemplate: { ContainerSpec: {} } }, { auth }),
    option: 'spec.TaskTemplate.ContainerSpec.Image',
  },
  { name: 'scale: a negative count', call: (d) => d.services.scale('sv1', -1), option: 'replicas' },
  {
    name: 'waitConverged: stableForMs not a number',
    call: (d) => d.services.waitConverged('sv1', { stableForMs: Number.NaN }),
    option: 'stableForMs',
  },
];

describeRejections('services', rejections);

describeCoverage('services', { '': Services, 'tasks.': Tasks }, [...rows, ...rejections], {
  update: 'the same read-modify-write as scale and rollback (rows: scale, rollback)',
  waitConverged:
    'polls inspect and tasks.list (rows: inspect, tasks.list); its logic is tested in test/integration/swarm.test.ts',
});
