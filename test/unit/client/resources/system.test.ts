/** Requests `docker.system` sends for given options, without a daemon (see test/support/request-shapes.ts). */

import { System } from '../../../../src/client/resources/system.js';
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
    name: 'ping',
    call: (d) => d.system.ping(),
    replies: [{ status: 200, body: 'OK', headers: { 'content-type': 'text/plain' } }],
    sends: [{ method: 'GET', path: '/_ping' }],
  },
  { name: 'version', call: (d) => d.system.version(), sends: [{ method: 'GET', path: '/version' }] },
  { name: 'info', call: (d) => d.system.info(), sends: [{ method: 'GET', path: '/info' }] },
  {
    name: 'df',
    call: (d) => d.system.df(),
    replies: [json({ BuildCache: null })],
    sends: [{ method: 'GET', path: '/system/df' }],
  },
  {
    name: 'df: the types asked for, on API 1.42+',
    apiVersion: '1.55',
    call: (d) => d.system.df({ type: ['volume'] }),
    replies: [json({ BuildCache: null })],
    sends: [{ method: 'GET', path: '/system/df', query: { type: 'volume' } }],
  },
  {
    name: 'auth: the credentials as the body only',
    call: (d) => d.system.auth({ username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' }),
    replies: [json({ Status: 'Login Succeeded' })],
    sends: [
      {
        method: 'POST',
        path: '/auth',
        body: { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' },
      },
    ],
  },
  {
    name: "events: filters, since and until as the daemon's seconds.nanoseconds",
    call: (d) =>
      d.system.events({ filters: { type: ['container'] }, since: new Date(1_000_000), until: 2000 }),
    replies: [{ status: 200, body: '', headers: { 'content-type': 'application/json' } }],
    sends: [
      {
        method: 'GET',
        path: '/events',
        query: { filters: '{"type":["container"]}', since: '1000.000000000', until: '2000.000000000' },
      },
    ],
  },
];

describeRequestShapes('system', rows);

const rejections: RejectRow[] = [
  { name: 'ping: an unknown option', call: (d) => d.system.ping({ timeout: 1 } as never), option: 'timeout' },
  { name: 'df: type not a list', call: (d) => d.system.df({ type: 'volume' as never }), option: 'type' },
  { name: 'events: since not a time', call: (d) => d.system.events({ since: {} as never }), option: 'since' },
];

describeRejections('system', rejections);

describeCoverage('system', { '': System }, [...rows, ...rejections]);
