/** Requests `docker.images` sends for given options, without a daemon (see test/support/request-shapes.ts). */
import { Readable } from 'node:stream';
import { Images } from '../../../../src/client/resources/images.js';
import {
  describeCoverage,
  describeRejections,
  describeRequestShapes,
  json,
  type RejectRow,
  registryAuthHeader,
  type ShapeRow,
} from '../../../support/request-shapes.js';

const progress = (...lines: unknown[]) => ({
  status: 200,
  body: lines.map((l) => `${JSON.stringify(l)}\n`).join(''),
  headers: { 'content-type': 'application/json' },
});
const auth = { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' };
const authHeader = registryAuthHeader(auth);
const tar = () => Readable.from([Buffer.alloc(1024)]);

const rows: ShapeRow[] = [
  {
    name: 'list: flags and filters',
    call: (d) => d.images.list({ all: true, digests: true, filters: { dangling: ['true'] } }),
    replies: [json([])],
    sends: [
      {
        method: 'GET',
        path: '/images/json',
        query: { all: 'true', digests: 'true', filters: '{"dangling":["true"]}' },
      },
    ],
  },
  {
    name: 'inspect: a name with a registry and a tag stays one path segment',
    call: (d) => d.images.inspect('127.0.0.1:5000/app:1'),
    replies: [json({ Id: 'sha256:1' })],
    sends: [{ method: 'GET', path: '/images/127.0.0.1%3A5000%2Fapp%3A1/json' }],
  },
  {
    name: 'history',
    call: (d) => d.images.history('busybox'),
    replies: [json([])],
    sends: [{ method: 'GET', path: '/images/busybox/history' }],
  },
  {
    name: 'tag: repo and tag split from the target, :latest by default',
    call: (d) => d.images.tag('busybox', '127.0.0.1:5000/app'),
    replies: [{ status: 201, body: '' }],
    sends: [
      { method: 'POST', path: '/images/busybox/tag', query: { repo: '127.0.0.1:5000/app', tag: 'latest' } },
    ],
  },
  {
    name: 'remove: force and noprune',
    call: (d) => d.images.remove('busybox', { force: true, noPrune: true }),
    replies: [json([])],
    sends: [{ method: 'DELETE', path: '/images/busybox', query: { force: 'true', noprune: 'true' } }],
  },
  {
    name: 'search: term and limit',
    call: (d) => d.images.search('redis', { limit: 5 }),
    replies: [json([])],
    sends: [{ method: 'GET', path: '/images/search', query: { limit: '5', term: 'redis' } }],
  },
  {
    name: 'prune: filters',
    call: (d) => d.images.prune({ filters: { dangling: ['false'] } }),
    replies: [json({ ImagesDeleted: null, SpaceReclaimed: 0 })],
    sends: [{ method: 'POST', path: '/images/prune', query: { filters: '{"dangling":["false"]}' } }],
  },
  {
    name: 'commit: the container, repo and tag in the query, the config as the body',
    call: (d) =>
      d.images.commit('c1', { reference: 'app:v2', comment: 'c', pause: false, config: { Cmd: ['sh'] } }),
    replies: [{ status: 201, body: { Id: 'sha256:2' } }],
    sends: [
      {
        method: 'POST',
        path: '/commit',
        query: { comment: 'c', pause: 'false', container: 'c1', repo: 'app', tag: 'v2' },
        body: { Cmd: ['sh'] },
      },
    ],
  },
  {
    name: 'pull: image and tag, the credentials given in X-Registry-Auth',
    call: (d) => d.images.pull('127.0.0.1:5000/app:1', { auth }),
    replies: [progress({ status: 'Pulling from app' }, { status: 'Status: Downloaded newer image' })],
    sends: [
      {
        method: 'POST',
        path: '/images/create',
        query: { fromImage: '127.0.0.1:5000/app', tag: '1' },
        headers: { 'x-registry-auth': authHeader },
      },
    ],
  },
  {
    name: 'push: the name in the path, the tag in the query',
    call: (d) => d.images.push('127.0.0.1:5000/app', { auth }),
    replies: [
      progress({ status: 'The push refers to repository' }, { status: 'latest: digest: sha256:ab size: 1' }),
    ],
    sends: [
      {
        method: 'POST',
        path: '/images/127.0.0.1%3A5000%2Fapp/push',
        query: { tag: 'latest' },
        headers: { 'x-registry-auth': authHeader },
      },
    ],
  },
  {
    name: 'distribution: the reference with its tag in the path',
    call: (d) => d.images.distribution('127.0.0.1:5000/app', { auth }),
    replies: [json({ Descriptor: {}, Platforms: null })],
    sends: [
      {
        method: 'GET',
        path: '/distribution/127.0.0.1%3A5000%2Fapp%3Alatest/json',
        headers: { 'x-registry-auth': authHeader },
      },
    ],
  },
  {
    name: 'build (classic): tags, build args and labels as the daemon encodes them, the tar as the body',
    call: (d) =>
      d.images.build(tar(), {
        builder: 'classic',
        tags: ['app:dev'],
        buildArgs: { V: '1' },
        labels: { team: 'a' },
        noCache: true,
        registryAuth: {},
      }),
    replies: [progress({ stream: 'Step 1/1\n' }, { aux: { ID: 'sha256:3' } })],
    sends: [
      {
        method: 'POST',
        path: '/build',
        // rm and forcerm default to true: a failed build leaves no intermediate containers behind.
        query: {
          t: 'app:dev',
          buildargs: '{"V":"1"}',
          labels: '{"team":"a"}',
          nocache: 'true',
          rm: 'true',
          forcerm: 'true',
        },
        body: '<application/x-tar 1024 bytes>',
        headers: { 'content-type': 'application/x-tar' },
      },
    ],
  },
  {
    name: 'import: from a tar stream, the reference in repo',
    call: (d) => d.images.import(tar(), { reference: 'fs:1', message: 'm' }),
    replies: [progress({ status: 'sha256:4'.padEnd(71, '0') })],
    sends: [
      {
        method: 'POST',
        path: '/images/create',
        query: { fromSrc: '-', repo: 'fs:1', message: 'm' },
        body: '<application/x-tar 1024 bytes>',
      },
    ],
  },
  {
    name: 'save: one name uses the per-image path',
    call: async (d) => (await d.images.save('busybox')).resume(),
    replies: [{ status: 200, body: '' }],
    sends: [{ method: 'GET', path: '/images/busybox/get' }],
  },
  {
    name: 'save: several names repeat the names parameter',
    call: async (d) => (await d.images.save(['a', 'b'])).resume(),
    replies: [{ status: 200, body: '' }],
    sends: [{ method: 'GET', path: '/images/get', query: { names: ['a', 'b'] } }],
  },
  {
    name: 'load: quiet, the tar as the body',
    call: (d) => d.images.load(tar(), { quiet: true }),
    replies: [progress({ stream: 'Loaded image: a:1\n' })],
    sends: [
      {
        method: 'POST',
        path: '/images/load',
        query: { quiet: 'true' },
        body: '<application/x-tar 1024 bytes>',
      },
    ],
  },
];

describeRequestShapes('images', rows);

const rejections: RejectRow[] = [
  {
    name: 'list: an unknown option',
    call: (d) => d.images.list({ everything: true } as never),
    option: 'everything',
  },
  { name: 'search: an empty term', call: (d) => d.images.search(' '), option: 'term' },
  {
    name: 'search: limit out of range',
    call: (d) => d.images.search('redis', { limit: 101 }),
    option: 'limit',
  },
  {
    name: 'tag: a target with a digest',
    call: (d) => d.images.tag('a', `b@sha256:${'0'.repeat(64)}`),
    option: 'target',
  },
  {
    name: 'push: a digest reference',
    call: (d) => d.images.push(`a@sha256:${'0'.repeat(64)}`, { auth }),
    option: 'reference',
  },
  { name: 'save: no names', call: (d) => d.images.save([]), option: 'names' },
  {
    name: 'build: tags not a list',
    call: (d) => d.images.build(tar(), { tags: 'x' as never }),
    option: 'tags',
  },
  {
    name: 'pull: platform as a number',
    call: (d) => d.images.pull('a', { platform: 1 as never, auth }),
    option: 'platform',
  },
];

describeRejections('images', rejections);

describeCoverage('images', { '': Images }, [...rows, ...rejections], {
  exists: 'a 200 or 404 of inspect (the row for inspect shows its request)',
});
