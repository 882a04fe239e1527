/** Requests `docker.containers` sends for given options, without a daemon (see test/support/request-shapes.ts). */

import { Containers } from '../../../../src/client/resources/containers.js';
import {
  describeCoverage,
  describeRejections,
  describeRequestShapes,
  json,
  type RejectRow,
  type ShapeRow,
} from '../../../support/request-shapes.js';

const none = { status: 204, body: '' };

const rows: ShapeRow[] = [
  {
    name: 'list: flags and filters as JSON',
    call: (d) => d.containers.list({ all: true, limit: 3, size: true, filters: { label: ['app=web'] } }),
    replies: [json([])],
    sends: [
      {
        method: 'GET',
        path: '/containers/json',
        query: { all: 'true', limit: '3', size: 'true', filters: '{"label":["app=web"]}' },
      },
    ],
  },
  {
    name: 'create: name and platform in the query, the config as the body',
    call: (d) =>
      d.containers.create({ Image: 'busybox', Cmd: ['true'] }, { name: 'web', platform: 'linux/amd64' }),
    replies: [{ status: 201, body: { Id: 'abc', Warnings: [] } }],
    sends: [
      {
        method: 'POST',
        path: '/containers/create',
        query: { name: 'web', platform: 'linux/amd64' },
        body: { Image: 'busybox', Cmd: ['true'] },
        headers: { 'content-type': 'application/json' },
      },
    ],
  },
  {
    name: 'inspect: size flag',
    call: (d) => d.containers.inspect('c1', { size: true }),
    sends: [{ method: 'GET', path: '/containers/c1/json', query: { size: 'true' } }],
  },
  {
    name: 'start',
    call: (d) => d.containers.start('c1'),
    replies: [none],
    sends: [{ method: 'POST', path: '/containers/c1/start' }],
  },
  {
    // The signal parameter came with API 1.42; a 1.41 daemon ignores it.
    name: 'stop: timeout and the unix signal',
    apiVersion: '1.55',
    call: (d) => d.containers.stop('c1', { timeout: 5000, killSignal: 'SIGINT' }),
    replies: [none],
    sends: [{ method: 'POST', path: '/containers/c1/stop', query: { t: '5', signal: 'SIGINT' } }],
  },
  {
    name: 'restart: timeout',
    call: (d) => d.containers.restart('c1', { timeout: 0 }),
    replies: [none],
    sends: [{ method: 'POST', path: '/containers/c1/restart', query: { t: '0' } }],
  },
  {
    name: 'kill: the unix signal',
    call: (d) => d.containers.kill('c1', { killSignal: 'SIGHUP' }),
    replies: [none],
    sends: [{ method: 'POST', path: '/containers/c1/kill', query: { signal: 'SIGHUP' } }],
  },
  {
    name: 'pause',
    call: (d) => d.containers.pause('c1'),
    replies: [none],
    sends: [{ method: 'POST', path: '/containers/c1/pause' }],
  },
  {
    name: 'unpause',
    call: (d) => d.containers.unpause('c1'),
    replies: [none],
    sends: [{ method: 'POST', path: '/containers/c1/unpause' }],
  },
  {
    name: 'rename: the new name in the query',
    call: (d) => d.containers.rename('c1', 'web 2'),
    replies: [none],
    sends: [{ method: 'POST', path: '/containers/c1/rename', query: { name: 'web 2' } }],
  },
  {
    name: 'update: resources as the body',
    call: (d) => d.containers.update('c1', { Memory: 64 * 1024 * 1024 }),
    replies: [json({ Warnings: null })],
    sends: [{ method: 'POST', path: '/containers/c1/update', body: { Memory: 67108864 } }],
  },
  {
    name: 'wait: the condition',
    call: (d) => d.containers.wait('c1', { condition: 'next-exit' }),
    replies: [json({ StatusCode: 0 })],
    sends: [{ method: 'POST', path: '/containers/c1/wait', query: { condition: 'next-exit' } }],
  },
  {
    name: 'remove: volumes, force and link flags',
    call: (d) => d.containers.remove('c1', { volumes: true, force: true, link: false }),
    replies: [none],
    sends: [{ method: 'DELETE', path: '/containers/c1', query: { v: 'true', force: 'true', link: 'false' } }],
  },
  {
    name: 'top: ps arguments',
    call: (d) => d.containers.top('c1', { psArgs: 'aux' }),
    replies: [json({ Titles: ['PID'], Processes: [['1']] })],
    sends: [{ method: 'GET', path: '/containers/c1/top', query: { ps_args: 'aux' } }],
  },
  {
    name: 'changes',
    call: (d) => d.containers.changes('c1'),
    replies: [json([])],
    sends: [{ method: 'GET', path: '/containers/c1/changes' }],
  },
  {
    name: 'stats: one sample, never a stream',
    call: (d) => d.containers.stats('c1', { oneShot: true }),
    sends: [{ method: 'GET', path: '/containers/c1/stats', query: { 'one-shot': 'true', stream: 'false' } }],
  },
  {
    name: 'statsStream: a stream of samples',
    call: (d) => d.containers.statsStream('c1'),
    replies: [{ status: 200, body: '{"id":"c1"}\n', headers: { 'content-type': 'application/json' } }],
    sends: [{ method: 'GET', path: '/containers/c1/stats', query: { stream: 'true' } }],
  },
  {
    name: 'logs: both streams unless one is named, no framing lookup when tty is known',
    call: (d) => d.containers.logs('c1', { tail: '10', timestamps: true, tty: true }),
    replies: [{ status: 200, body: '' }],
    sends: [
      {
        method: 'GET',
        path: '/containers/c1/logs',
        query: { tail: '10', timestamps: 'true', stdout: 'true', stderr: 'true' },
      },
    ],
  },
  {
    name: 'logs: below API 1.42 the Tty flag is looked up to decide the framing',
    call: (d) => d.containers.logs('c1', { stderr: true, follow: false }),
    replies: [{ status: 200, body: '' }, json({ Config: { Tty: false } })],
    sends: [
      { method: 'GET', path: '/containers/c1/logs', query: { stderr: 'true', follow: 'false' } },
      { method: 'GET', path: '/containers/c1/json' },
    ],
  },
  {
    name: 'resize: height and width',
    call: (d) => d.containers.resize('c1', { rows: 40, columns: 120 }),
    sends: [{ method: 'POST', path: '/containers/c1/resize', query: { h: '40', w: '120' } }],
  },
  {
    name: 'export',
    call: async (d) => (await d.containers.export('c1')).resume(),
    replies: [{ status: 200, body: '' }],
    sends: [{ method: 'GET', path: '/containers/c1/export' }],
  },
  {
    name: 'prune: filters',
    call: (d) => d.containers.prune({ filters: { until: ['1h'] } }),
    replies: [json({ ContainersDeleted: null, SpaceReclaimed: 0 })],
    sends: [{ method: 'POST', path: '/containers/prune', query: { filters: '{"until":["1h"]}' } }],
  },
  {
    name: 'an id is escaped in the path',
    call: (d) => d.containers.inspect('a/b c'),
    sends: [{ method: 'GET', path: '/containers/a%2Fb%20c/json' }],
  },
];

describeRequestShapes('containers', rows);

const rejections: RejectRow[] = [
  {
    name: 'list: an unknown option',
    call: (d) => d.containers.list({ everything: true } as never),
    option: 'everything',
  },
  {
    name: 'list: a filter that is not a list',
    call: (d) => d.containers.list({ filters: { label: 'x' } as never }),
    option: 'filters',
  },
  {
    name: 'stop: timeout not an integer',
    call: (d) => d.containers.stop('c1', { timeout: 1.5 }),
    option: 'timeout',
  },
  {
    name: 'kill: signal as a number',
    call: (d) => d.containers.kill('c1', { killSignal: 9 as never }),
    option: 'killSignal',
  },
  {
    name: 'remove: force as a string',
    call: (d) => d.containers.remove('c1', { force: 'yes' as never }),
    option: 'force',
  },
  {
    name: 'logs: tail as an object',
    call: (d) => d.containers.logs('c1', { tail: {} as never }),
    option: 'tail',
  },
];

describeRejections('containers', rejections);

describeCoverage('containers', { '': Containers }, [...rows, ...rejections]);
