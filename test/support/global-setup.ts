import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { Docker } from '../../src/index.js';
import { ensureFixtureImages, type FixtureImages } from './images.js';

declare module 'vitest' {
  export interface ProvidedContext {
    images: FixtureImages;
  }
}

/** Once per run: make sure an engine answers and the fixture images exist. */
export default async function setup(project: TestProject): Promise<void> {
  execFileSync('bash', ['scripts/engine.sh'], { stdio: 'inherit' });
  const docker = Docker.fromEnv();
  try {
    project.provide('images', await ensureFixtureImages(docker));
  } finally {
    await docker.close();
  }
}
