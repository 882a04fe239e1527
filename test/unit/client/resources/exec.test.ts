/** Requests `docker.exec` sends for given options, without a daemon (see test/support/request-shapes.ts). */

import { Exec } from '../../../../src/client/resources/exec.js';
import {
  describeCoverage,
  describeRejections,
  describeRequestShapes,
  json,
  type RejectRow,
  type ShapeRow,
} from '../../../support/request-shapes.js';

/** One stdout frame of Docker's multiplexed stream: stream 1, three zero bytes, the length, the data. */
const multiplexed = {
  status: 200,
  body: Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('hi\n')]),
  headers: { 'content-type': 'application/vnd.docker.multiplexed-stream' },
};
const raw = { status: 200, body: 'hi\n', headers: { 'content-type': 'application/vnd.docker.raw-stream' } };

const rows: ShapeRow[] = [
  {
    name: 'create: the config as the body',
    call: (d) => d.exec.create('c1', { Cmd: ['ls'], AttachStdout: true }),
    replies: [{ status: 201, body: { Id: 'e1' } }],
    sends: [{ method: 'POST', path: '/containers/c1/exec', body: { Cmd: ['ls'], AttachStdout: true } }],
  },
  {
    name: 'start detached: Detach and Tty in the body',
    call: (d) => d.exec.start('e1', { detach: true, tty: false }),
    sends: [{ method: 'POST', path: '/exec/e1/start', body: { Detach: true, Tty: false } }],
  },
  {
    name: 'start attached, tty known: one request, read as a stream',
    call: (d) => d.exec.start('e1', { tty: true }).text(),
    replies: [raw],
    sends: [{ method: 'POST', path: '/exec/e1/start', body: { Detach: false, Tty: true } }],
  },
  {
    name: 'start attached, tty unknown: the exec is inspected first',
    call: (d) => d.exec.start('e1').text(),
    replies: [json({ ProcessConfig: { tty: true } }), raw],
    sends: [
      { method: 'GET', path: '/exec/e1/json' },
      { method: 'POST', path: '/exec/e1/start', body: { Detach: false, Tty: true } },
    ],
  },
  { name: 'inspect', call: (d) => d.exec.inspect('e1'), sends: [{ method: 'GET', path: '/exec/e1/json' }] },
  {
    name: 'resize: height and width',
    call: (d) => d.exec.resize('e1', { rows: 24, columns: 80 }),
    replies: [{ status: 201, body: '' }],
    sends: [{ method: 'POST', path: '/exec/e1/resize', query: { h: '24', w: '80' } }],
  },
  {
    name: 'wait: inspects until the process has exited',
    call: (d) => d.exec.wait('e1'),
    replies: [json({ Running: false, ExitCode: 3 })],
    sends: [{ method: 'GET', path: '/exec/e1/json' }],
  },
  {
    name: 'run: create, start and inspect for the exit code',
    call: (d) => d.exec.run('c1', ['echo', 'hi'], { env: { A: '1' }, user: 'nobody' }),
    replies: [{ status: 201, body: { Id: 'e1' } }, multiplexed, json({ Running: false, ExitCode: 0 })],
    sends: [
      {
        method: 'POST',
        path: '/containers/c1/exec',
        body: {
          Cmd: ['echo', 'hi'],
          Env: ['A=1'],
          User: 'nobody',
          AttachStdout: true,
          AttachStderr: true,
          AttachStdin: false,
          Tty: false,
        },
      },
      { method: 'POST', path: '/exec/e1/start', body: { Detach: false, Tty: false } },
      { method: 'GET', path: '/exec/e1/json' },
    ],
  },
];

describeRequestShapes('exec', rows);

const rejections: RejectRow[] = [
  {
    name: 'start: detach as a string',
    call: (d) => d.exec.start('e1', { detach: 'yes' as never }),
    option: 'detach',
  },
  {
    name: 'resize: rows not an integer',
    call: (d) => d.exec.resize('e1', { rows: 1.5, columns: 80 }),
    option: 'rows',
  },
  { name: 'run: an empty command', call: (d) => d.exec.run('c1', []), option: 'cmd' },
  {
    name: 'run: stdin through a TTY',
    call: (d) => d.exec.run('c1', ['cat'], { tty: true, stdin: 'x' }),
    option: 'stdin',
  },
  {
    name: 'run: an unknown option',
    call: (d) => d.exec.run('c1', ['ls'], { detach: true } as never),
    option: 'detach',
  },
];

describeRejections('exec', rejections);

describeCoverage('exec', { '': Exec }, [...rows, ...rejections], {
  attach:
    'hijacks the connection, which the recording dispatcher does not answer: test/unit/client/streams/hijack/session.test.ts and the integration tests',
  stream: 'create, then start as in run(); its streaming is tested in test/integration/exec.test.ts',
});
