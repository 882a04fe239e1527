/**
 * `berth doctor`: collect facts about the engine this process would use, then judge them.
 * Collection never pulls an image and never prints a secret.
 */
import { Docker } from '../client/docker.js';
import { diagnose, type Finding, isHealthy } from './checks.js';
import { cleanupFacts } from './collect/cleanup.js';
import { connectionFacts } from './collect/connection.js';
import { credentialFacts } from './collect/credentials.js';
import { engineFacts } from './collect/engine.js';
import { environmentFacts } from './collect/environment.js';
import { failureFacts } from './collect/failure.js';
import { portFacts } from './collect/ports.js';
import type { DoctorFacts } from './facts.js';

export interface DoctorOptions {
  /** The environment to resolve the engine from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** A local image with busybox sh and nc for the port check; default: any local busybox image. */
  image?: string;
  /** Skip the port check (it starts a container). */
  skipPorts?: boolean;
  /** Milliseconds for the whole run (default 60 000). */
  timeoutMs?: number;
}

export interface DoctorReport {
  healthy: boolean;
  facts: DoctorFacts;
  findings: Finding[];
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const facts = await collectFacts(options);
  const findings = diagnose(facts);
  return { healthy: isHealthy(findings), facts, findings };
}

export async function collectFacts(options: DoctorOptions): Promise<DoctorFacts> {
  const env = options.env ?? process.env;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const environment = environmentFacts();
  const credentials = credentialFacts(env, signal);
  let docker: Docker;
  try {
    docker = new Docker({ env: { ...env }, retries: 0 });
  } catch (err) {
    return { connection: { error: failureFacts(err) }, credentials: await credentials, environment };
  }
  try {
    const connection = connectionFacts(docker.connection, env);
    const engine = await engineFacts(docker, signal);
    if ('error' in engine) return { connection, engine, credentials: await credentials, environment };
    const [ports, cleanup] = await Promise.all([
      options.skipPorts
        ? Promise.resolve(undefined)
        : portFacts(docker, { image: options.image, environment, signal }),
      cleanupFacts(docker, env, signal),
    ]);
    return {
      connection,
      engine,
      ...(ports ? { ports } : {}),
      credentials: await credentials,
      cleanup,
      environment,
    };
  } finally {
    await docker.close();
  }
}

export type { Finding, Level } from './checks.js';
export type * from './facts.js';
