/** Requests `docker.swarm` and `docker.nodes` send, without a daemon (see test/support/request-shapes.ts). */

import { Nodes, Swarm } from '../../../../src/client/resources/swarm.js';
import {
  describeCoverage,
  describeRejections,
  describeRequestShapes,
  json,
  type RejectRow,
  type ShapeRow,
} from '../../../support/request-shapes.js';

const swarm = {
  ID: 's1',
  Version: { Index: 7 },
  Spec: { Name: 'default' },
  JoinTokens: { Worker: 'w', Manager: 'm' },
};
const node = { ID: 'n1', Version: { Index: 4 }, Spec: { Role: 'manager', Availability: 'active' } };

const rows: ShapeRow[] = [
  {
    name: 'init: listen address by default, the config as the body',
    call: (d) => d.swarm.init({ AdvertiseAddr: '127.0.0.1' }),
    replies: [json('s1')],
    sends: [
      {
        method: 'POST',
        path: '/swarm/init',
        body: { ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '127.0.0.1' },
      },
    ],
  },
  {
    name: 'join',
    call: (d) =>
      d.swarm.join({ ListenAddr: '0.0.0.0:2377', JoinToken: 't', RemoteAddrs: ['127.0.0.1:2377'] }),
    sends: [
      {
        method: 'POST',
        path: '/swarm/join',
        body: { ListenAddr: '0.0.0.0:2377', JoinToken: 't', RemoteAddrs: ['127.0.0.1:2377'] },
      },
    ],
  },
  {
    name: 'leave: force',
    call: (d) => d.swarm.leave({ force: true }),
    sends: [{ method: 'POST', path: '/swarm/leave', query: { force: 'true' } }],
  },
  { name: 'inspect', call: (d) => d.swarm.inspect(), sends: [{ method: 'GET', path: '/swarm' }] },
  {
    name: 'update: a spec replaces the current one, written with the version index',
    call: (d) => d.swarm.update({ Labels: { a: 'b' } }),
    replies: [json(swarm)],
    sends: [
      { method: 'GET', path: '/swarm' },
      {
        method: 'POST',
        path: '/swarm/update',
        query: { version: '7' },
        body: { Labels: { a: 'b' } },
      },
    ],
  },
  {
    name: 'rotateJoinTokens: both tokens unless one is named',
    call: (d) => d.swarm.rotateJoinTokens({ worker: true }),
    replies: [json(swarm), json({}), json(swarm)],
    sends: [
      { method: 'GET', path: '/swarm' },
      {
        method: 'POST',
        path: '/swarm/update',
        query: { version: '7', rotateWorkerToken: 'true', rotateManagerToken: 'false' },
        body: { Name: 'default' },
      },
      { method: 'GET', path: '/swarm' },
    ],
  },
  {
    name: 'unlockKey',
    call: (d) => d.swarm.unlockKey(),
    replies: [json({ UnlockKey: 'k' })],
    sends: [{ method: 'GET', path: '/swarm/unlockkey' }],
  },
  {
    name: 'unlock: the key as the body',
    call: (d) => d.swarm.unlock('k'),
    sends: [{ method: 'POST', path: '/swarm/unlock', body: { UnlockKey: 'k' } }],
  },
  {
    name: 'nodes.list: filters',
    call: (d) => d.nodes.list({ filters: { role: ['manager'] } }),
    replies: [json([])],
    sends: [{ method: 'GET', path: '/nodes', query: { filters: '{"role":["manager"]}' } }],
  },
  {
    name: 'nodes.inspect',
    call: (d) => d.nodes.inspect('n1'),
    sends: [{ method: 'GET', path: '/nodes/n1' }],
  },
  {
    name: 'nodes.update: a partial spec merged into the current one',
    call: (d) => d.nodes.update('n1', { Availability: 'drain' }),
    replies: [json(node)],
    sends: [
      { method: 'GET', path: '/nodes/n1' },
      {
        method: 'POST',
        path: '/nodes/n1/update',
        query: { version: '4' },
        body: { Role: 'manager', Availability: 'drain' },
      },
    ],
  },
  {
    name: 'nodes.remove: force',
    call: (d) => d.nodes.remove('n1', { force: true }),
    sends: [{ method: 'DELETE', path: '/nodes/n1', query: { force: 'true' } }],
  },
];

describeRequestShapes('swarm', rows);

const rejections: RejectRow[] = [
  {
    name: 'join: no token',
    call: (d) => d.swarm.join({ RemoteAddrs: ['127.0.0.1:2377'] } as never),
    option: 'JoinToken',
  },
  {
    name: 'join: no manager address',
    call: (d) => d.swarm.join({ JoinToken: 't' } as never),
    option: 'RemoteAddrs',
  },
  { name: 'unlock: an empty key', call: (d) => d.swarm.unlock(''), option: 'key' },
];

describeRejections('swarm', rejections);

describeCoverage('swarm', { '': Swarm, 'nodes.': Nodes }, [...rows, ...rejections], {
  joinTokens: 'reads inspect (row: rotateJoinTokens)',
  rotateUnlockKey: 'update with rotateManagerUnlockKey, then unlockKey (rows: update, unlockKey)',
});
