import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { Docker } from '../../src/index.js';
import { type EngineUnderTest, probeEngine } from './engine.js';
import { ensureFixtureImages, type FixtureImages } from './images.js';
import { ensureModuleImages, type ModuleImages } from './module-images.js';
import { ensureServiceImages, runsServiceModules, type ServiceImages } from './service-images.js';

declare module 'vitest' {
  export interface ProvidedContext {
    images: FixtureImages & ModuleImages;
    /** The service modules' stand-in images, on the engines that run the module tests only. */
    services: ServiceImages | undefined;
    engine: EngineUnderTest;
  }
}

/** Once per run: make sure an engine answers, probe it, and make sure the fixture images exist. */
export default async function setup(project: TestProject): Promise<void> {
  execFileSync('bash', ['scripts/engine.sh'], { stdio: 'inherit' });
  const engine = await probeEngine();
  console.log(
    `engine under test: ${engine.kind} ${engine.version} on ${engine.host}, API ${engine.apiVersion}` +
      (engine.pinnedApiVersion ? ' (pinned)' : ` (daemon's newest ${engine.maxApiVersion})`),
  );
  project.provide('engine', engine);
  const docker = Docker.fromEnv();
  try {
    const images = await ensureFixtureImages(docker);
    project.provide('images', { ...images, ...(await ensureModuleImages(docker, images.debian)) });
    project.provide('services', runsServiceModules() ? await ensureServiceImages(docker) : undefined);
  } finally {
    await docker.close();
  }
}
