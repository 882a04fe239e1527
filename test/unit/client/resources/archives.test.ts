/** Requests `docker.archives` sends for given options, without a daemon (see test/support/request-shapes.ts). */
import { Readable } from 'node:stream';
import { Archives } from '../../../../src/client/resources/archives.js';
import {
  describeCoverage,
  describeRejections,
  describeRequestShapes,
  type RejectRow,
  type ShapeRow,
} from '../../../support/request-shapes.js';

/** X-Docker-Container-Path-Stat: base64 of the JSON stat, as the daemon sends it. */
const stat = Buffer.from(
  JSON.stringify({ name: 'f', size: 3, mode: 420, mtime: '2026-01-01T00:00:00Z', linkTarget: '' }),
).toString('base64');
const withStat = { 'x-docker-container-path-stat': stat };

const rows: ShapeRow[] = [
  {
    name: 'stat: HEAD with the path in the query',
    call: (d) => d.archives.stat('c1', '/etc/f'),
    replies: [{ status: 200, body: '', headers: withStat }],
    sends: [{ method: 'HEAD', path: '/containers/c1/archive', query: { path: '/etc/f' } }],
  },
  {
    name: 'get: GET with the path in the query',
    call: async (d) => (await d.archives.get('c1', '/etc/f')).tar.resume(),
    replies: [{ status: 200, body: '', headers: { ...withStat, 'content-type': 'application/x-tar' } }],
    sends: [{ method: 'GET', path: '/containers/c1/archive', query: { path: '/etc/f' } }],
  },
  {
    name: 'put: the directory and flags in the query, the tar as the body',
    call: (d) =>
      d.archives.put('c1', '/tmp', Readable.from([Buffer.alloc(1024)]), {
        noOverwriteDirNonDir: true,
        copyUidGid: true,
      }),
    sends: [
      {
        method: 'PUT',
        path: '/containers/c1/archive',
        query: { path: '/tmp', noOverwriteDirNonDir: '1', copyUIDGID: '1' },
        body: '<application/x-tar 1024 bytes>',
      },
    ],
  },
];

describeRequestShapes('archives', rows);

const rejections: RejectRow[] = [
  {
    name: 'put: an unknown option',
    call: (d) => d.archives.put('c1', '/tmp', Readable.from([]), { overwrite: true } as never),
    option: 'overwrite',
  },
  {
    name: 'copyTo: a source that does not exist',
    call: (d) => d.archives.copyTo('c1', '/nonexistent/berth-test-source', '/tmp'),
    option: 'source',
  },
  {
    name: 'stat: an unknown option',
    call: (d) => d.archives.stat('c1', '/', { follow: true } as never),
    option: 'follow',
  },
];

describeRejections('archives', rejections);

describeCoverage('archives', { '': Archives }, [...rows, ...rejections], {
  copyTo: 'put of a packed host path (row: put)',
  readFile: 'get, then reads the tar (row: get; archives.extract.test.ts)',
  readFiles: 'get, then reads the tar (row: get; archives.extract.test.ts)',
  copyFrom: 'get, then extracts on the host (row: get; archives.extract.test.ts)',
});
