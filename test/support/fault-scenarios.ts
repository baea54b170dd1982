/**
 * Every way a bump can fail (and the two ways it succeeds), as data: what to set up on the test
 * GitLab, how to run the CLI, and what it must answer. The fault matrix checks the answers; the leak
 * test runs the same scenarios and looks for the token everywhere.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './closed-port.js';
import { LIMIT_SCENARIOS } from './fault-scenarios-limits.js';
import { branchTip, createGitOpsProject, type GitOpsProjectOptions } from './gitops-repo.js';
import type { Fault, GitLabServer } from './gitlab-server.js';
import { runCli, type CliResult } from './run-cli.js';
import { commitSymlinks } from './symlinks.js';
import { APP1, BUMP, escape, TOKEN_VARIABLE, writable, writeToken } from './scenario-basics.js';

export { APP1, escape };
import { SECRET_SCENARIOS } from './fault-scenarios-secrets.js';
import { JOB_TOKEN_SCENARIOS } from './fault-scenarios-jobtoken.js';
import { REGISTRY_SCENARIOS } from './fault-scenarios-registry.js';

/**
 * Where a scenario runs: `main` is shared by scenarios running at the same time; `quiet` must never
 * receive a request (input rejected before anything is attempted); `faults` is the one server whose
 * fault injection a scenario may switch on, so its scenarios run one at a time.
 */
export type ServerRole = 'main' | 'quiet' | 'faults';

export interface ScenarioContext {
  server: GitLabServer;
  /** A project path of its own, created by `setup` when it needs one. */
  project: string;
  /** The distinctive token of this run. */
  token: string;
  /** The directory the CLI runs in (fresh and empty). */
  cwd: string;
  /** Names of files a shell would create if it ever ran a metacharacter in the input. */
  markers: string[];
}

export interface Prepared {
  /** Arguments after `push --server-url URL --project PROJECT`. */
  args: string[];
  env?: Record<string, string>;
  serverUrl?: string;
  /** The --project given, when it is not ctx.project. */
  project?: string;
  fault?: Fault;
  /** The server's branch to watch (on ctx.project); main unless given. */
  branch?: string;
}

export interface Expectation {
  exitCode: 0 | 1 | 2;
  /** The exact `error:` line without its prefix, or a pattern for it. */
  error?: string | RegExp;
  hint?: string | RegExp;
  /** The id of the entry in src/troubleshooting.ts the error belongs to. */
  trouble?: string;
  /** The run pushes (the branch moves); every other scenario leaves the branch alone. */
  pushes?: boolean;
  /** The last line of stdout, for the successful scenarios. */
  summary?: RegExp;
}

export interface Scenario {
  name: string;
  server: ServerRole;
  setup(ctx: ScenarioContext): Promise<Prepared>;
  expect(ctx: ScenarioContext, prepared: Prepared): Expectation;
  /** Further checks after the run (the CLI's result and the context are passed). */
  check?(ctx: ScenarioContext, result: CliResult): Promise<void> | void;
  /** A generous limit for the whole run, in milliseconds. */
  timeoutMs?: number;
  /** The generated token is letters and digits only, so it also reads as a variable name. */
  nameShapedToken?: boolean;
}

export interface ScenarioRun {
  ctx: ScenarioContext;
  prepared: Prepared;
  result: CliResult;
  tipBefore?: string;
  tipAfter?: string;
  /** Requests the run's server received during the run (meaningful for `quiet` and `faults`). */
  requests: number;
  durationMs: number;
}

const HEX64 = '24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3';
const SHELL_TEXT = (marker: string) => [
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `; touch ${marker}`,
  `| touch ${marker}`,
];

let sequence = 0;

async function project(ctx: ScenarioContext, options?: GitOpsProjectOptions): Promise<void> {
  await createGitOpsProject(ctx.server, ctx.project, options);
}

const rejected401 = (trouble = 'token-rejected'): Expectation => ({
  exitCode: 1,
  error: `GitLab rejected the token in ${TOKEN_VARIABLE} (HTTP 401): it is invalid, expired or revoked`,
  hint: new RegExp(
    `^Rotate it: create a Project Access Token on .*write_repository.*Developer.*expiry.*update ${TOKEN_VARIABLE} with the new value and revoke the old token\\. Tokens stop working at 00:00 UTC on their expiry date\\.$`,
  ),
  trouble,
});

const forbiddenPush = (ctx: ScenarioContext): Expectation => ({
  exitCode: 1,
  error: `the token in ${TOKEN_VARIABLE} may not push to ${ctx.project} (HTTP 403: "You are not allowed to push code to this project."): it lacks the write_repository scope or its role is below Developer`,
  hint: new RegExp(
    `scopes and role are fixed when it is created: create a Project Access Token on ${ctx.project} .*scope write_repository, role Developer.*expiry.*put it in ${TOKEN_VARIABLE}`,
  ),
  trouble: 'push-forbidden',
});

const notFound = (ctx: ScenarioContext, path: string): Expectation => ({
  exitCode: 1,
  error: `project ${path} was not found on ${ctx.server.url}: its path is wrong, or the token in ${TOKEN_VARIABLE} belongs to another project`,
  hint: new RegExp(
    `^Check --project: .*\\(${escape(`${ctx.server.url}/${path}`)}\\)\\. A Project Access Token works only in the project it was created in .*create it on ${escape(path)} itself`,
  ),
  trouble: 'project-not-found',
});

const missingToken = (state: string): Expectation => ({
  exitCode: 2,
  error: `${TOKEN_VARIABLE} is ${state}: no token to push with`,
  hint: new RegExp(
    `CI/CD variable ${TOKEN_VARIABLE}, or name the variable that holds it with --token-variable\\. ` +
      'Protected variables reach only pipelines on protected branches and tags .*run on a protected ref or unprotect the variable\\. ' +
      "Masked variables must meet GitLab's masking rules",
  ),
  trouble: 'token-missing',
});

const invalidEnv = (name: string): Expectation => ({
  exitCode: 2,
  error: `target env ${JSON.stringify(name)} is not a valid environment name`,
  hint: 'An environment is one directory name under the overlays directory: letters, digits, ".", "_" and "-".',
  trouble: 'target-env-invalid',
});

const outsidePath = (path: string): Expectation => ({
  exitCode: 2,
  error: `--path ${JSON.stringify(path)} must be a directory inside the repository`,
  hint: 'Give a relative path such as manifests/overlays/prod, without ".." or a leading "/".',
  trouble: 'path-outside',
});

const yamlError = (file: string, rest: string, trouble: string, hint: RegExp): Expectation => ({
  exitCode: 1,
  error: `${file}:${rest}`,
  hint,
  trouble,
});
const FIX_YAML = /^Fix the YAML in the GitOps repository/;

/** An image argument rejected before anything is cloned. */
function invalidImage(name: string, image: string, message: string, hint: RegExp): Scenario {
  return {
    name,
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: ['--target-env', 'prod', '--image', image] }),
    expect: () => ({
      exitCode: 2,
      error: `image argument ${JSON.stringify(image)}: ${message}`,
      hint,
      trouble: 'image-invalid',
    }),
  };
}

/** A target env carrying shell syntax: refused as a name, and nothing runs. */
function shellInEnv(name: string, build: (marker: string) => string): Scenario {
  return {
    name,
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: ['--target-env', build(ctx.markers[0]!), '--image', `${APP1}:v1.1.0`],
    }),
    expect: (ctx) => invalidEnv(build(ctx.markers[0]!)),
  };
}

export const SCENARIOS: readonly Scenario[] = [
  // What success looks like, so the leak test sees the token travel all the way.
  {
    name: 'a successful push',
    server: 'main',
    setup: (ctx) => writable(ctx),
    expect: () => ({
      exitCode: 0,
      pushes: true,
      summary: new RegExp(
        `^bumped ${escape(APP1)} in manifests/overlays/prod: .* -> ${escape(APP1)}:v1\\.1\\.0 \\(commit [0-9a-f]{7} on main\\)$`,
      ),
    }),
  },
  {
    name: 'a dry run',
    server: 'main',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: [...BUMP, '--dry-run'] }),
    expect: () => ({ exitCode: 0, summary: /^dry run: would bump .* on main; nothing pushed$/ }),
  },

  // The token variable.
  {
    name: 'token variable unset',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), env: { OTHER_TOKEN: ctx.token } }),
    expect: () => missingToken('not set'),
  },
  {
    name: 'token variable empty',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), env: { [TOKEN_VARIABLE]: '', OTHER_TOKEN: ctx.token } }),
    expect: () => missingToken('empty'),
  },
  {
    name: "token variable holds this job's CI_JOB_TOKEN",
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), env: { [TOKEN_VARIABLE]: ctx.token, CI_JOB_TOKEN: ctx.token } }),
    expect: () => ({
      exitCode: 2,
      error: `${TOKEN_VARIABLE} holds this job's CI_JOB_TOKEN, which pushes only when named as such (--token-variable CI_JOB_TOKEN)`,
      hint: /^A CI job token pushes only as a job token \(--token-variable CI_JOB_TOKEN\) and only where GitLab allows it: .*GitLab 19\.0 and when that project allows it\. Either pass --token-variable CI_JOB_TOKEN where GitLab allows job-token pushes, or create a Project Access Token on the GitOps project \(Settings > Access tokens: scope write_repository, role Developer.*expiry\).*--token-variable/,
      trouble: 'token-is-ci-job-token',
    }),
  },
  {
    name: 'a token variable of more than one line',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), env: { [TOKEN_VARIABLE]: `${ctx.token}\nsecond-line` } }),
    expect: () => ({
      exitCode: 2,
      error: `${TOKEN_VARIABLE} holds more than one line`,
      hint: /^Store the token alone, without line breaks/,
      trouble: 'token-multi-line',
    }),
  },
  {
    name: 'the token itself given as --token-variable',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: [...BUMP, '--token-variable', ctx.token] }),
    expect: () => ({
      exitCode: 2,
      error:
        '--token-variable must be the NAME of the environment variable that holds the token (letters, digits and "_"), not a value',
      hint: /pass its name\. If the token itself was given here, treat it as exposed and rotate it\.$/,
      trouble: 'token-variable-invalid',
    }),
  },
  {
    name: 'the token given as --token-variable when it reads like a variable name',
    server: 'quiet',
    nameShapedToken: true,
    setup: async (ctx) => ({ ...(await writable(ctx)), args: [...BUMP, '--token-variable', ctx.token] }),
    expect: () => ({
      exitCode: 2,
      error: `the name given for the token variable is the value of ${TOKEN_VARIABLE}, not the name of a variable that is set (the value is not shown)`,
      hint: `Pass the variable's name, not its value: --token-variable ${TOKEN_VARIABLE} (without "$"). If that value is a token, treat it as exposed and rotate it.`,
      trouble: 'token-variable-is-value',
    }),
  },
  {
    name: 'a CI job token (of the GitOps project itself) in the variable',
    server: 'main',
    setup: async (ctx) => {
      await project(ctx);
      ctx.server.addToken({ value: ctx.token, kind: 'job', scopes: [], projects: [ctx.project] });
      return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token } };
    },
    expect: () => ({
      exitCode: 1,
      error: `the token in ${TOKEN_VARIABLE} is a CI job token, and a job token cannot push here`,
      hint: /^A CI job token pushes only as a job token \(--token-variable CI_JOB_TOKEN\) and only where GitLab allows it: .*GitLab 19\.0 and when that project allows it\. Create a Project Access Token on the GitOps project \(Settings > Access tokens: scope write_repository, role Developer.*expiry\).*--token-variable\.$/,
      trouble: 'job-token',
    }),
  },

  // Tokens GitLab rejects (401) or limits (403, 404).
  {
    name: 'an unknown token (401)',
    server: 'main',
    setup: async (ctx) => {
      await project(ctx);
      return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token } };
    },
    expect: () => rejected401(),
  },
  {
    name: 'an expired token (401)',
    server: 'main',
    setup: async (ctx) => {
      await project(ctx);
      writeToken(ctx, { expiresAt: '2024-01-01' });
      return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token } };
    },
    expect: () => rejected401(),
  },
  {
    name: 'a revoked token (401)',
    server: 'main',
    setup: async (ctx) => {
      await project(ctx);
      writeToken(ctx, { revoked: true });
      return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token } };
    },
    expect: () => rejected401(),
  },
  {
    name: 'a read_repository-only token (403 on push)',
    server: 'main',
    setup: async (ctx) => {
      await project(ctx);
      writeToken(ctx, { scopes: ['read_repository'] });
      return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token } };
    },
    expect: (ctx) => forbiddenPush(ctx),
  },
  {
    name: 'a write_repository token with role Reporter (403 on push)',
    server: 'main',
    setup: async (ctx) => {
      await project(ctx);
      writeToken(ctx, { role: 20 });
      return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token } };
    },
    expect: (ctx) => forbiddenPush(ctx),
  },
  {
    name: 'a token with role Guest (403 on clone)',
    server: 'main',
    setup: async (ctx) => {
      await project(ctx);
      writeToken(ctx, { role: 10 });
      return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token } };
    },
    expect: (ctx) => ({
      exitCode: 1,
      error: `the token in ${TOKEN_VARIABLE} may not read ${ctx.project} (HTTP 403: "You are not allowed to download code from this project."): it lacks a repository scope or its role is below Reporter`,
      hint: new RegExp(
        `^Pushing needs the write_repository scope and role Developer: create a Project Access Token on ${escape(ctx.project)} `,
      ),
      trouble: 'read-forbidden',
    }),
  },
  {
    name: 'a wrong project path (404)',
    server: 'main',
    setup: async (ctx) => {
      return { ...(await writable(ctx)), project: `${ctx.project}-typo` };
    },
    expect: (ctx) => notFound(ctx, `${ctx.project}-typo`),
  },
  {
    name: 'a Project Access Token of another project (404)',
    server: 'main',
    setup: async (ctx) => {
      await project(ctx);
      const other = `${ctx.project}-app`;
      await createGitOpsProject(ctx.server, other);
      ctx.server.addToken({
        value: ctx.token,
        kind: 'project',
        scopes: ['write_repository'],
        projects: [other],
        role: 40,
      });
      return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token } };
    },
    expect: (ctx) => notFound(ctx, ctx.project),
  },
  {
    name: 'a protected branch the token may not push to',
    server: 'main',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      ctx.server.protectBranch(ctx.project, 'main', { allowedRole: 40 });
      return prepared;
    },
    expect: (ctx) => ({
      exitCode: 1,
      error: `main is a protected branch of ${ctx.project} and the token's role may not push to it`,
      hint: new RegExp(
        `^Either allow the token's role to push: in ${escape(ctx.project)}, Settings > Repository > Protected branches, main, .*; or let a merge request carry the change: --mode merge-request \\(always\\) or --fallback merge-request`,
      ),
      trouble: 'protected-branch',
    }),
  },

  // The repository's content.
  {
    name: 'an overlay directory that does not exist',
    server: 'main',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: ['--target-env', 'qa', '--image', `${APP1}:v1.1.0`] }),
    expect: () => ({
      exitCode: 1,
      error: 'directory manifests/overlays/qa does not exist',
      hint: 'Existing directories in manifests/overlays: dev, prod, staging. Check --target-env / --overlays-dir (or --path).',
      trouble: 'overlay-missing',
    }),
  },
  {
    name: 'a directory without a kustomization file',
    server: 'main',
    setup: async (ctx) => ({
      ...(await writable(ctx, { files: { 'manifests/overlays/qa/deployment.yaml': 'kind: Deployment\n' } })),
      args: ['--target-env', 'qa', '--image', `${APP1}:v1.1.0`],
    }),
    expect: () => ({
      exitCode: 1,
      error: 'no kustomization file in manifests/overlays/qa',
      hint: 'kustomize looks for kustomization.yaml, kustomization.yml, Kustomization: add one, or check --target-env / --overlays-dir (or --path) points at the directory that has it.',
      trouble: 'no-kustomization',
    }),
  },
  {
    name: 'a directory with two kustomization files',
    server: 'main',
    setup: async (ctx) => ({
      ...(await writable(ctx, { files: { 'manifests/overlays/prod/kustomization.yml': 'resources: []\n' } })),
    }),
    expect: () => ({
      exitCode: 1,
      error: 'manifests/overlays/prod has more than one kustomization file: kustomization.yaml, kustomization.yml',
      hint: 'kustomize refuses this too: keep one of them.',
      trouble: 'several-kustomizations',
    }),
  },
  {
    name: 'malformed YAML in the overlay',
    server: 'main',
    setup: async (ctx) => ({
      ...(await writable(ctx, {
        overlays: {
          prod: 'resources:\n  - ../../base\nimages:\n  - name: registry.example.com/team/app1\n\tnewTag: v1.0.0\n',
        },
      })),
    }),
    expect: () =>
      yamlError(
        'manifests/overlays/prod/kustomization.yaml',
        '5:1: Tabs are not allowed as indentation',
        'yaml-invalid',
        FIX_YAML,
      ),
  },
  {
    name: 'duplicate keys in the overlay',
    server: 'main',
    setup: async (ctx) => ({
      ...(await writable(ctx, {
        overlays: { prod: `images:\n  - name: ${APP1}\n    newTag: v1.0.0\nresources:\n  - ../../base\nimages: []\n` },
      })),
    }),
    expect: () =>
      yamlError(
        'manifests/overlays/prod/kustomization.yaml',
        '6:1: Map keys must be unique',
        'yaml-duplicate-key',
        FIX_YAML,
      ),
  },
  {
    name: 'a kustomization of several YAML documents',
    server: 'main',
    setup: async (ctx) => ({
      ...(await writable(ctx, {
        overlays: {
          prod: `resources:\n  - ../../base\nimages:\n  - name: ${APP1}\n    newTag: v1.0.0\n---\nimages: []\n`,
        },
      })),
    }),
    expect: () =>
      yamlError(
        'manifests/overlays/prod/kustomization.yaml',
        '6:1: a kustomization holds one YAML document, this file holds 2',
        'yaml-several-documents',
        /^Remove the extra `---` documents/,
      ),
  },
  {
    name: 'an overlay directory that is a symbolic link out of the repository',
    server: 'main',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      await commitSymlinks(ctx.server.repoPath(ctx.project), 'main', {
        'manifests/overlays/evil': '/etc',
        'manifests/overlays/up': '../../..',
      });
      return { ...prepared, args: ['--target-env', 'evil,up', '--image', `${APP1}:v1.1.0`] };
    },
    expect: () => ({
      exitCode: 2,
      error: 'manifests/overlays/evil is a symbolic link (to /etc), not a directory',
      hint: 'A bump edits the kustomization where it is in the repository, never through a link: point --target-env / --overlays-dir (or --path) at the real directory.',
      trouble: 'overlay-symlink',
    }),
  },
  {
    name: 'a kustomization file that is a symbolic link out of the repository',
    server: 'main',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      await commitSymlinks(ctx.server.repoPath(ctx.project), 'main', {
        'manifests/overlays/linked/kustomization.yaml': '../../../../../../../../../../etc/passwd',
      });
      return { ...prepared, args: ['--target-env', 'linked', '--image', `${APP1}:v1.1.0`] };
    },
    expect: () => ({
      exitCode: 2,
      error:
        'manifests/overlays/linked/kustomization.yaml leads outside the repository (a symbolic link to a path outside it)',
      hint: /^A kustomization is only read and written inside the GitOps repository: replace the symbolic link with the real file/,
      trouble: 'outside-repository',
    }),
  },

  // Input rejected before anything is attempted.
  {
    name: 'an image argument that is only a name',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: ['--target-env', 'prod', '--image', APP1] }),
    expect: () => ({
      exitCode: 2,
      error: `invalid format of image ${JSON.stringify(APP1)}, use one of the following options:`,
      hint: /"\*" as the new name, tag or digest keeps the value/,
      trouble: 'image-argument-format',
    }),
  },
  invalidImage(
    'an image path in uppercase',
    `${APP1}=registry.example.com/Team/App1:v1.1.0`,
    'repository path "Team/App1" must be lowercase',
    /^use lowercase letters and digits/,
  ),
  invalidImage(
    'an invalid tag',
    `${APP1}=${APP1}:-v1.1.0`,
    'tag "-v1.1.0" is not valid: a tag is 1-128 characters of letters, digits, "_", "." and "-", and cannot start with "." or "-"',
    /^use a tag such as/,
  ),
  invalidImage(
    'an invalid digest',
    `${APP1}=${APP1}@sha256:abc123`,
    'digest "sha256:abc123" is not valid: sha256 needs exactly 64 lowercase hex characters',
    /^copy the digest as the registry reports it/,
  ),
  invalidImage('nothing after "="', `${APP1}=`, 'nothing follows "="', /^write the new image after "="/),
  invalidImage(
    'an empty tag ($CI_REGISTRY_IMAGE:$CI_COMMIT_TAG outside a tag pipeline)',
    `${APP1}=${APP1}:`,
    'the tag after ":" is empty',
    /"\$CI_REGISTRY_IMAGE:\$CI_COMMIT_TAG" ends in ":" outside a tag pipeline, where CI_COMMIT_TAG is empty/,
  ),
  invalidImage(
    'a new image without a name',
    `${APP1}=:v1.1.0`,
    'the image has no name before ":v1.1.0"',
    /keep the name already set with "\*"/,
  ),
  invalidImage(
    'a digest without a name',
    `${APP1}=@sha256:${HEX64}`,
    `the image has no name before "@sha256:${HEX64}"`,
    /^write the new image's name before ":" or "@"/,
  ),
  invalidImage(
    'an unknown digest algorithm',
    `${APP1}=${APP1}@invaliddigest:${HEX64}`,
    `digest "invaliddigest:${HEX64}" is not valid: the algorithm "invaliddigest" is not one registries verify: use sha256, sha384 or sha512`,
    /^copy the digest as the registry reports it/,
  ),
  {
    name: 'the drop-in APP_NAME with an empty APP_IMAGE',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      env: { [TOKEN_VARIABLE]: ctx.token, APP_NAME: APP1, APP_IMAGE: '' },
      args: ['--target-env', 'prod'],
    }),
    expect: () => ({
      exitCode: 2,
      error: `no new image for ${JSON.stringify(APP1)}: APP_IMAGE is empty`,
      hint: /\$CI_COMMIT_TAG is empty outside tag pipelines/,
      trouble: 'app-image-missing',
    }),
  },
  {
    name: 'the drop-in APP_IMAGE ending in ":"',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      env: { [TOKEN_VARIABLE]: ctx.token, APP_NAME: APP1, APP_IMAGE: `${APP1}:` },
      args: ['--target-env', 'prod'],
    }),
    expect: () => ({
      exitCode: 2,
      error: `image argument ${JSON.stringify(`${APP1}=${APP1}:`)}: the tag after ":" is empty`,
      hint: /outside a tag pipeline/,
      trouble: 'image-invalid',
    }),
  },
  {
    name: 'a --timeout beyond what a timer holds',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: [...BUMP, '--timeout', '2147484'] }),
    expect: () => ({
      exitCode: 2,
      error: '--timeout must be a whole number from 1 to 86400, not "2147484"',
      hint: /seconds, e\.g\. 60/,
      trouble: 'number-invalid',
    }),
  },
  {
    name: 'an empty --message',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: [...BUMP, '--message', ''] }),
    expect: () => ({
      exitCode: 2,
      error: '--message "" leaves the commit subject empty',
      hint: /^Leave it out for the default/,
      trouble: 'message-empty',
    }),
  },
  {
    name: 'an empty --author-name',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: [...BUMP, '--author-name', ''] }),
    expect: () => ({
      exitCode: 2,
      error: '--author-name "" is not a name git can record: it is empty',
      hint: /^Give a plain name/,
      trouble: 'author-invalid',
    }),
  },
  {
    name: 'an empty --author-email',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: [...BUMP, '--author-email', ''] }),
    expect: () => ({
      exitCode: 2,
      error: '--author-email "" is not an email git can record: it is empty',
      hint: /^Give a plain name/,
      trouble: 'author-invalid',
    }),
  },
  {
    name: '--helm-values into .git',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: [...BUMP, '--helm-values', '.git/HEAD'] }),
    expect: () => ({
      exitCode: 2,
      error: `--helm-values ".git/HEAD" goes through .git, which holds git's own files`,
      hint: /nothing under \.git is ever read or written/,
      trouble: 'path-git-dir',
    }),
  },
  {
    name: 'a --path that reaches .git through ".."',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: ['--path', 'manifests/../.git', '--image', `${APP1}:v1.1.0`],
    }),
    expect: () => ({
      exitCode: 2,
      error: `--path "manifests/../.git" goes through .git, which holds git's own files`,
      hint: /nothing under \.git/,
      trouble: 'path-git-dir',
    }),
  },
  {
    name: 'a --path with a tab inside',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: ['--path', 'manifests/overlays/\tprod', '--image', `${APP1}:v1.1.0`],
    }),
    expect: () => ({
      exitCode: 2,
      error: '--path "manifests/overlays/\\tprod" contains control characters',
      hint: /stray character in a CI\/CD variable/,
      trouble: 'path-control',
    }),
  },
  {
    name: 'a --path with ".."',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: ['--path', 'manifests/../../outside', '--image', `${APP1}:v1.1.0`],
    }),
    expect: () => outsidePath('manifests/../../outside'),
  },
  {
    name: 'an absolute --path',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: ['--path', '/etc', '--image', `${APP1}:v1.1.0`] }),
    expect: () => outsidePath('/etc'),
  },
  {
    name: 'a target env of ".."',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), args: ['--target-env', '..', '--image', `${APP1}:v1.1.0`] }),
    expect: () => invalidEnv('..'),
  },
  {
    name: 'a target env that climbs out with "../"',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: ['--target-env', '../../../etc', '--image', `${APP1}:v1.1.0`],
    }),
    expect: () => invalidEnv('../../../etc'),
  },
  shellInEnv('a target env with $(…)', (marker) => `$(touch ${marker})`),
  shellInEnv('a target env with backticks', (marker) => `\`touch ${marker}\``),
  shellInEnv('a target env with ";"', (marker) => `prod;touch${'${IFS}'}${marker}`),
  shellInEnv('a target env with "|"', (marker) => `prod|touch${'${IFS}'}${marker}`),
  shellInEnv('a target env with quotes', () => `prod"'`),
  {
    name: 'a target env with a newline and $(…)',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: ['--target-env', `prod\n$(touch ${ctx.markers[0]})`, '--image', `${APP1}:v1.1.0`],
    }),
    // A newline separates environments (GitLab renders an array input that way): the second one is refused.
    expect: (ctx) => invalidEnv(`$(touch ${ctx.markers[0]})`),
  },
  {
    name: 'an app name with $(…) and spaces',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: ['--target-env', 'prod', '--image', `$(touch ${ctx.markers[0]})=${APP1}:v1.1.0`],
    }),
    expect: (ctx) => ({
      exitCode: 2,
      error: `image argument ${JSON.stringify(`$(touch ${ctx.markers[0]})=${APP1}:v1.1.0`)}: the image name to match, ${JSON.stringify(`$(touch ${ctx.markers[0]})`)}, contains whitespace or control characters`,
      hint: /^write the image name exactly as the manifests use it/,
      trouble: 'image-invalid',
    }),
  },
  {
    name: 'an app name with a newline',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      env: { [TOKEN_VARIABLE]: ctx.token, APP_NAME: `app1\ntouch ${ctx.markers[0]}`, APP_IMAGE: `${APP1}:v1.1.0` },
      args: ['--target-env', 'prod'],
    }),
    expect: () => ({
      exitCode: 2,
      error:
        /^image argument "app1\\ntouch \S+=registry\.example\.com\/team\/app1:v1\.1\.0": the image name to match, "app1\\ntouch \S+", contains whitespace or control characters$/,
      hint: /^write the image name exactly as the manifests use it/,
      trouble: 'image-invalid',
    }),
  },
  {
    name: 'app names with backticks, ";", "|", "$" and quotes, without spaces',
    server: 'quiet',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      const [a, b, c, d] = ctx.markers;
      const names = [
        `\`touch\${IFS}${a}\``,
        `app;touch\${IFS}${b}`,
        `app|touch\${IFS}${c}`,
        `app$(touch\${IFS}${d})`,
        `app"'q`,
      ];
      return {
        ...prepared,
        args: ['--target-env', 'prod', ...names.flatMap((name) => ['--image', `${name}=${APP1}:v9.9.9`]), '--dry-run'],
      };
    },
    // No image name holds such characters, so such an entry could never match: refused as input, and only ever data.
    expect: () => ({
      exitCode: 2,
      error:
        /^image argument "`touch\$\{IFS\}\S+`=registry\.example\.com\/team\/app1:v9\.9\.9": the image name to match, "`touch\$\{IFS\}\S+`", holds characters no image name has$/,
      hint: /^write the image name exactly as the manifests use it/,
      trouble: 'image-invalid',
    }),
  },
  {
    name: 'a commit message with shell syntax, quotes and a newline',
    server: 'main',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      const message = `${SHELL_TEXT(ctx.markers[0]!).join(' ')} "double" 'single'\nsecond line`;
      return { ...prepared, args: [...BUMP, '--message', message] };
    },
    expect: () => ({ exitCode: 0, pushes: true, summary: /^bumped / }),
  },

  // The server and the network.
  {
    name: 'a refused connection',
    server: 'main',
    setup: async (ctx) => ({ ...(await writable(ctx)), serverUrl: `http://127.0.0.1:${await closedPort()}` }),
    expect: (ctx, prepared) => ({
      exitCode: 1,
      error: new RegExp(
        `^cannot connect to ${escape(new URL(prepared.serverUrl!).host)} while cloning ${escape(`${prepared.serverUrl}/${ctx.project}.git`)}: .*(Failed to connect|Connection refused|Could(n't| not) connect)`,
      ),
      hint: /^Check --server-url \(default \$CI_SERVER_URL\) and that the runner can reach that host and port: a proxy \(HTTPS_PROXY, NO_PROXY\), a firewall or DNS/,
      trouble: 'unreachable',
    }),
  },
  {
    name: 'a server error (HTTP 500)',
    server: 'faults',
    setup: async (ctx) => ({ ...(await writable(ctx)), fault: { kind: 'status500' } }),
    expect: (ctx) => ({
      exitCode: 1,
      error: `GitLab answered with a server error (HTTP 500) while cloning ${ctx.server.url}/${ctx.project}.git`,
      hint: /^The fault is on the GitLab side, not in the token or the options: retry the job\./,
      trouble: 'server-error',
    }),
  },
  {
    name: 'a stalled server with --timeout 2',
    server: 'faults',
    timeoutMs: 10_000,
    setup: async (ctx) => ({ ...(await writable(ctx)), args: [...BUMP, '--timeout', '2'], fault: { kind: 'stall' } }),
    expect: (ctx) => ({
      exitCode: 1,
      error: new RegExp(
        `^${escape(ctx.server.url)} stopped answering while cloning ${escape(`${ctx.server.url}/${ctx.project}.git`)}: no progress within (2 s, )?--timeout$`,
      ),
      hint: /^The server \(or a proxy in between\) stalled\. Retry the job; .*raise --timeout/,
      trouble: 'timeout',
    }),
  },
  ...SECRET_SCENARIOS,
  ...LIMIT_SCENARIOS,
  ...JOB_TOKEN_SCENARIOS,
  ...REGISTRY_SCENARIOS,
];

export interface Servers {
  main: GitLabServer;
  quiet: GitLabServer;
  faults: GitLabServer;
}

/**
 * Sets the scenario up, runs the CLI once and records what happened. `extra` adds arguments and
 * environment (the leak test's --keep-workdir and PATH); `token` overrides the distinctive token.
 */
export async function runScenario(
  scenario: Scenario,
  servers: Servers,
  options: {
    token?: string;
    extraArgs?: (ctx: ScenarioContext) => string[];
    extraEnv?: (ctx: ScenarioContext) => Record<string, string>;
  } = {},
): Promise<ScenarioRun> {
  const id = ++sequence;
  const server = servers[scenario.server];
  const ctx: ScenarioContext = {
    server,
    project: `team/fault-${process.pid}-${id}`,
    token:
      options.token ??
      (scenario.nameShapedToken
        ? `fm${id}x${Math.random().toString(36).slice(2, 10)}secret`
        : `fm${id}-${Math.random().toString(36).slice(2, 10)}-secret`),
    cwd: mkdtempSync(join(tmpdir(), 'image-bump-fault-')),
    markers: Array.from({ length: 4 }, (_, i) => `pwned-${process.pid}-${id}-${i}`),
  };
  const prepared = await scenario.setup(ctx);
  const branch = prepared.branch ?? 'main';
  const tipBefore = await branchTip(server, ctx.project, branch).catch(() => undefined);
  const requestsBefore = server.requests.length;
  const args = [
    'push',
    '--server-url',
    prepared.serverUrl ?? server.url,
    '--project',
    prepared.project ?? ctx.project,
    ...prepared.args,
    ...(options.extraArgs?.(ctx) ?? []),
  ];
  if (prepared.fault) server.setFault(prepared.fault);
  const started = Date.now();
  let result: CliResult;
  try {
    result = await runCli(args, {
      env: { ...prepared.env, ...options.extraEnv?.(ctx) },
      cwd: ctx.cwd,
      timeoutMs: scenario.timeoutMs ?? 60_000,
    });
  } finally {
    if (prepared.fault) server.setFault(null);
  }
  const durationMs = Date.now() - started;
  const tipAfter = await branchTip(server, ctx.project, branch).catch(() => undefined);
  return { ctx, prepared, result, tipBefore, tipAfter, requests: server.requests.length - requestsBefore, durationMs };
}
