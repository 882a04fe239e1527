import { Pool } from 'undici';
import { Docker } from '../../src/index.js';
import { DOCKER_SOCKET } from './daemons.js';

/** A client of the test daemon that records the path of every request it sends, in order. */
export function recordingClient(): { client: Docker; paths: string[] } {
  const paths: string[] = [];
  const pool = new Pool('http://localhost', { socketPath: DOCKER_SOCKET });
  const dispatcher = pool.compose((dispatch) => (options, handler) => {
    paths.push(options.path);
    return dispatch(options, handler);
  });
  return { client: new Docker({ dispatcher, apiVersion: '1.41' }), paths };
}
