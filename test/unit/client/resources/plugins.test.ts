/** Requests `docker.plugins` sends for given options, without a daemon (see test/support/request-shapes.ts). */
import { Readable } from 'node:stream';
import { Plugins } from '../../../../src/client/resources/plugins.js';
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
const privileges = [{ Name: 'network', Description: '', Value: ['host'] }];
const progress = {
  status: 200,
  body: '{"status":"Installed plugin"}\n',
  headers: { 'content-type': 'application/json' },
};

const rows: ShapeRow[] = [
  {
    name: 'list: filters',
    call: (d) => d.plugins.list({ filters: { enabled: ['true'] } }),
    replies: [json([])],
    sends: [{ method: 'GET', path: '/plugins', query: { filters: '{"enabled":["true"]}' } }],
  },
  {
    name: 'inspect',
    call: (d) => d.plugins.inspect('vieux/sshfs:latest'),
    sends: [{ method: 'GET', path: '/plugins/vieux%2Fsshfs%3Alatest/json' }],
  },
  {
    name: 'privileges: the remote in the query, the credentials in X-Registry-Auth',
    call: (d) => d.plugins.privileges('vieux/sshfs', { auth }),
    replies: [json(privileges)],
    sends: [
      {
        method: 'GET',
        path: '/plugins/privileges',
        query: { remote: 'vieux/sshfs' },
        headers: { 'x-registry-auth': authHeader },
      },
    ],
  },
  {
    name: 'install: the privileges asked for are granted, then pulled',
    call: (d) => d.plugins.install('vieux/sshfs', { name: 'sshfs', auth }),
    replies: [json(privileges), progress],
    sends: [
      { method: 'GET', path: '/plugins/privileges', query: { remote: 'vieux/sshfs' } },
      {
        method: 'POST',
        path: '/plugins/pull',
        query: { remote: 'vieux/sshfs', name: 'sshfs' },
        body: privileges,
        headers: { 'x-registry-auth': authHeader },
      },
    ],
  },
  {
    name: 'create: the name in the query, the rootfs tar as the body',
    call: (d) => d.plugins.create('p1', Readable.from([Buffer.alloc(512)])),
    replies: [{ status: 204, body: '' }],
    sends: [
      {
        method: 'POST',
        path: '/plugins/create',
        query: { name: 'p1' },
        body: '<application/x-tar 512 bytes>',
      },
    ],
  },
  {
    name: 'enable: timeout',
    call: (d) => d.plugins.enable('p1', { timeout: 5000 }),
    sends: [{ method: 'POST', path: '/plugins/p1/enable', query: { timeout: '5' } }],
  },
  {
    name: 'disable: force',
    call: (d) => d.plugins.disable('p1', { force: true }),
    sends: [{ method: 'POST', path: '/plugins/p1/disable', query: { force: 'true' } }],
  },
  {
    name: 'set: settings as KEY=value',
    call: (d) => d.plugins.set('p1', { DEBUG: '1' }),
    replies: [{ status: 204, body: '' }],
    sends: [{ method: 'POST', path: '/plugins/p1/set', body: ['DEBUG=1'] }],
  },
  {
    name: 'upgrade: the new remote, with the privileges given',
    call: (d) => d.plugins.upgrade('p1', 'vieux/sshfs:2', { auth, privileges }),
    replies: [progress],
    sends: [
      {
        method: 'POST',
        path: '/plugins/p1/upgrade',
        query: { remote: 'vieux/sshfs:2' },
        body: privileges,
        headers: { 'x-registry-auth': authHeader },
      },
    ],
  },
  {
    name: 'remove: force',
    call: (d) => d.plugins.remove('p1', { force: true }),
    sends: [{ method: 'DELETE', path: '/plugins/p1', query: { force: 'true' } }],
  },
];

describeRequestShapes('plugins', rows);

const rejections: RejectRow[] = [
  { name: 'create: an empty name', call: (d) => d.plugins.create('', Readable.from([])), option: 'name' },
  { name: 'set: no settings', call: (d) => d.plugins.set('p1', {}), option: 'settings' },
];

describeRejections('plugins', rejections);

describeCoverage('plugins', { '': Plugins }, [...rows, ...rejections], {
  pull: 'install under another name (row: install)',
  push: 'X-Registry-Auth only (tested in test/integration/plugins.test.ts against a registry)',
});
