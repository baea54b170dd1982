import { defineConfig } from 'vitest/config';

/**
 * The inner loop: tests that start no server, no git and no CLI process (seconds). `npm test` runs
 * everything, these included. A test file that needs the bundle or a server does not belong here.
 */
export default defineConfig({
  test: {
    include: [
      'test/{settings,yaml,git,image,report,edit,failures}/**/*.test.ts',
      'test/{architecture,inputs-reader,troubleshooting}.test.ts',
      'test/registry/{challenge,docker-auth-config,platforms,registry-answer,registry-name,registry-settings,trust}.test.ts',
    ],
  },
});
