import { defineConfig } from 'vitest/config';

/**
 * The inner loop: tests that start no server, no git and no CLI process (seconds). `npm test` runs
 * everything, these included. A test file that needs the bundle or a server does not belong here.
 */
export default defineConfig({
  test: {
    include: [
      'test/{settings,yaml,git,image,report,edit}/**/*.test.ts',
      'test/{architecture,bump-branch,inputs-reader,outcome,server-url,settings-inputs,troubleshooting}.test.ts',
      'test/registry/{challenge,docker-auth-config,platforms,registry-answer,registry-name,registry-settings,trust}.test.ts',
    ],
  },
});
