/** The CLI forgives what people type: absolute paths for edit, near-miss options, missing values, help per command, hints in the run's own words. */
import { mkdtemp, mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { closest } from '../src/settings/closest.js';
import { inputName, OPTIONS, type OptionName } from '../src/settings/options.js';
import { troubleFor } from '../src/troubleshooting.js';
import { lastLine, runCli } from './support/run-cli.js';

const KUSTOMIZATION = 'images:\n- name: app\n  newTag: v1.0.0\n';
const VALUES = 'image:\n  repository: app\n  tag: v1.0.0\n';
const MARKED = 'image: app:v1.0.0 # image-bump: app\n';

async function workingDirectory(): Promise<string> {
  // Resolved: the CLI's working directory is, and an absolute path through a linked /tmp must still count as inside.
  const root = await realpath(await mkdtemp(join(tmpdir(), 'image-bump-forgiving-')));
  const files: Record<string, string> = {
    'overlays/prod/kustomization.yaml': KUSTOMIZATION,
    'plain/kustomization.yaml': KUSTOMIZATION,
    'chart/values.yaml': VALUES,
    'marked/app.yaml': MARKED,
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await mkdir(join(root, '.git'), { recursive: true });
  await writeFile(join(root, '.git/kustomization.yaml'), KUSTOMIZATION);
  return root;
}

/** The error line and hint of a refused run, checked to be exit 2 with nothing on stdout and a troubleshooting entry. */
function refusal(result: { exitCode: number; stdout: string; stderr: string }, trouble?: string) {
  expect(result.exitCode, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const error = /^error: (.*)$/m.exec(result.stderr)?.[1];
  const hint = /^hint: (.*)$/m.exec(result.stderr)?.[1];
  expect(error).toBeDefined();
  expect(hint).toBeDefined();
  // Node's own parser wording never reaches the user.
  expect(result.stderr).not.toMatch(/To specify a positional argument|ERR_PARSE_ARGS|argument is ambiguous/);
  if (trouble) expect(troubleFor(error!)?.id).toBe(trouble);
  return { error: error!, hint: hint! };
}

describe('edit takes paths inside the working directory, absolute or relative', () => {
  it('edits a kustomization, a manifest, Helm values and marked files named by absolute paths', async () => {
    const root = await workingDirectory();
    const result = await runCli(
      [
        'edit',
        '--dir',
        join(root, 'overlays/prod'),
        '--file',
        join(root, 'plain/kustomization.yaml'),
        '--helm-values',
        join(root, 'chart/values.yaml'),
        '--markers',
        join(root, 'marked'),
        '--image',
        'app:v2.0.0',
      ],
      { cwd: root },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readFile(join(root, 'overlays/prod/kustomization.yaml'), 'utf8')).toBe(
      KUSTOMIZATION.replace('v1.0.0', 'v2.0.0'),
    );
    expect(await readFile(join(root, 'plain/kustomization.yaml'), 'utf8')).toBe(
      KUSTOMIZATION.replace('v1.0.0', 'v2.0.0'),
    );
    expect(await readFile(join(root, 'chart/values.yaml'), 'utf8')).toBe(VALUES.replace('v1.0.0', 'v2.0.0'));
    expect(await readFile(join(root, 'marked/app.yaml'), 'utf8')).toBe(MARKED.replace('v1.0.0', 'v2.0.0'));
    // Reported relative to the working directory, as relative paths would be.
    expect(result.stdout).toContain('in overlays/prod, plain/kustomization.yaml, chart/values.yaml, marked/app.yaml:');
    expect(result.stdout).not.toContain(root);
  });

  it('takes the working directory itself, and relative paths with ./ and .. that stay inside', async () => {
    const root = await workingDirectory();
    const itself = await runCli(['edit', '--dir', join(root, 'plain'), '--image', 'app:v3.0.0'], {
      cwd: join(root, 'plain'),
    });
    expect(itself.exitCode, itself.stderr).toBe(0);
    const relative = await runCli(['edit', '--dir', './overlays/../overlays/prod/', '--image', 'app:v3.0.0'], {
      cwd: root,
    });
    expect(relative.exitCode, relative.stderr).toBe(0);
    expect(await readFile(join(root, 'overlays/prod/kustomization.yaml'), 'utf8')).toBe(
      KUSTOMIZATION.replace('v1.0.0', 'v3.0.0'),
    );
  });

  it('takes the working directory itself as the directory of marked files or manifests, leaving .git alone', async () => {
    const root = await workingDirectory();
    const gitFile = join(root, '.git/marked.yaml');
    await writeFile(gitFile, MARKED);
    const markers = await runCli(['edit', '--markers', '.', '--image', 'app:v4.0.0'], { cwd: root });
    expect(markers.exitCode, markers.stderr).toBe(0);
    expect(await readFile(join(root, 'marked/app.yaml'), 'utf8')).toBe(MARKED.replace('v1.0.0', 'v4.0.0'));
    const files = await runCli(['edit', '--file', root, '--image', 'app:v5.0.0'], { cwd: root });
    expect(files.exitCode, files.stderr).toBe(0);
    expect(await readFile(join(root, 'overlays/prod/kustomization.yaml'), 'utf8')).toBe(
      KUSTOMIZATION.replace('v1.0.0', 'v5.0.0'),
    );
    expect(await readFile(gitFile, 'utf8')).toBe(MARKED);
    expect(await readFile(join(root, '.git/kustomization.yaml'), 'utf8')).toBe(KUSTOMIZATION);
  });

  it('refuses an absolute path outside the working directory, and one through .git, changing nothing', async () => {
    const root = await workingDirectory();
    const outside = refusal(
      await runCli(['edit', '--dir', join(root, 'overlays/prod'), '--image', 'app:v2.0.0'], {
        cwd: join(root, 'plain'),
      }),
      'path-outside',
    );
    expect(outside.error).toBe(
      `--dir "${join(root, 'overlays/prod')}" must be a directory inside the working directory`,
    );
    expect(outside.hint).toContain('cd there first');
    const gitDir = refusal(
      await runCli(['edit', '--file', join(root, '.git/kustomization.yaml'), '--image', 'app:v2.0.0'], { cwd: root }),
      'path-git-dir',
    );
    expect(gitDir.error).toBe('--file ".git/kustomization.yaml" goes through .git, which holds git\'s own files');
    expect(await readFile(join(root, 'overlays/prod/kustomization.yaml'), 'utf8')).toBe(KUSTOMIZATION);
    expect(await readFile(join(root, '.git/kustomization.yaml'), 'utf8')).toBe(KUSTOMIZATION);
  });

  it('keeps push paths relative to the repository: an absolute --path is refused before anything is cloned', async () => {
    const root = await workingDirectory();
    const { error } = refusal(
      await runCli(
        [
          'push',
          '--server-url',
          'http://127.0.0.1:9',
          '--project',
          'group/gitops',
          '--path',
          join(root, 'overlays/prod'),
        ],
        { cwd: root, env: { IMAGE_BUMP_IMAGE: 'app:v2.0.0' } },
      ),
      'path-outside',
    );
    expect(error).toBe(`--path "${join(root, 'overlays/prod')}" must be a directory inside the repository`);
  });
});

describe('edit --json', () => {
  it('ends with one JSON object holding the outcome', async () => {
    const root = await workingDirectory();
    const result = await runCli(['edit', '--dir', 'overlays/prod', '--image', 'app:v2.0.0', '--json'], { cwd: root });
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(lastLine(result.stdout)) as { ok: boolean; exitCode: number; outcome: unknown };
    expect(summary).toMatchObject({ ok: true, exitCode: 0 });
    expect(JSON.stringify(summary.outcome)).toContain('v2.0.0');
  });

  it('ends a refused edit with the JSON object too', async () => {
    const root = await workingDirectory();
    const result = await runCli(['edit', '--dri', 'overlays/prod', '--image', 'app:v2.0.0', '--json'], { cwd: root });
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(lastLine(result.stdout))).toMatchObject({
      ok: false,
      exitCode: 2,
      error: 'unknown option --dri',
      hint: expect.stringContaining('did you mean --dir?') as unknown,
    });
  });
});

describe('options that are not quite right', () => {
  it.each([
    [['edit', '--dri', 'x', '--image', 'app:v2'], 'unknown option --dri', 'did you mean --dir?', 'unknown-option'],
    [
      ['push', '--target-evn', 'prod', '--image', 'app:v2'],
      'unknown option --target-evn',
      'did you mean --target-env?',
      'unknown-option',
    ],
    [
      ['edit', '--target-env', 'prod', '--image', 'app:v2'],
      '--target-env is an option of push, not edit',
      'use push',
      'option-of-other-command',
    ],
    [
      ['push', '--dir', 'x', '--image', 'app:v2'],
      '--dir is an option of edit, not push',
      'push --help',
      'option-of-other-command',
    ],
    [
      ['edit', '--target-evn', 'prod'],
      'unknown option --target-evn',
      'did you mean --target-env? It is an option of push, not edit.',
      'unknown-option',
    ],
    [['edit', '--frobnicate'], 'unknown option --frobnicate', 'See `gitops-image-bump edit --help`', 'unknown-option'],
    [['--halp'], 'unknown option --halp', 'did you mean --help?', 'unknown-option'],
    [['psuh', '--target-env', 'prod'], 'unknown command "psuh"', 'did you mean push?', 'unknown-command'],
    [['eidt'], 'unknown command "eidt"', 'did you mean edit?', 'unknown-command'],
    [
      ['--target-env', 'prod', 'push'],
      'the command comes first, before --target-env',
      'gitops-image-bump push --target-env',
      'command-not-first',
    ],
    [['edit', '--image'], '--image needs a value', 'Write it as --image NAME=IMAGE', 'option-needs-value'],
    [['edit', '--dir', '--image', 'app:v2'], '--dir needs a value', 'Write it as --dir DIR', 'option-needs-value'],
    [
      ['push', '--image', 'app:v2', '--dry-run=yes'],
      '--dry-run takes no value',
      'Write --dry-run alone',
      'option-takes-no-value',
    ],
  ])('%j: %s', async (args, message, hint, trouble) => {
    const refused = refusal(await runCli(args), trouble);
    expect(refused.error).toBe(message);
    expect(refused.hint).toContain(hint);
  });

  it('reads a value that starts with "-" written with "="', async () => {
    const root = await workingDirectory();
    const result = await runCli(['edit', '--dir=overlays/prod', '--image=app:v2.0.0'], { cwd: root });
    expect(result.exitCode, result.stderr).toBe(0);
  });
});

describe('usage and help', () => {
  it('without arguments prints the usage on stderr and exits 2', async () => {
    const result = await runCli([]);
    const { error, hint } = refusal(result, 'no-command');
    expect(error).toBe('no command given');
    expect(hint).toContain('gitops-image-bump push --target-env ENV --image NAME=IMAGE');
    expect(hint).toContain('gitops-image-bump edit');
  });

  it.each([['--help'], ['-h'], ['help']])('%s prints both commands briefly on stdout and exits 0', async (flag) => {
    const result = await runCli([flag]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('gitops-image-bump push --target-env ENV');
    expect(result.stdout).toContain('gitops-image-bump edit [--dir DIR');
    expect(result.stdout).not.toContain('--helm-tag-key');
  });

  it('edit --help shows edit alone: its usage line, description and options', async () => {
    for (const args of [
      ['edit', '--help'],
      ['edit', '-h'],
      ['help', 'edit'],
    ]) {
      const result = await runCli(args);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/^Usage: gitops-image-bump edit /);
      expect(result.stdout).toContain('Options for edit:');
      expect(result.stdout).toContain('  --dir DIR');
      expect(result.stdout).not.toMatch(/gitops-image-bump push|--target-env|--token-variable|token/i);
    }
  });

  it('push --help shows push alone, with the token paragraph', async () => {
    const result = await runCli(['push', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Usage: gitops-image-bump push /);
    expect(result.stdout).toContain('--token-variable NAME');
    expect(result.stdout).toContain('default GITLAB_PUSHER_TOKEN');
    expect(result.stdout).not.toMatch(/gitops-image-bump edit| {2}--dir /);
  });
});

describe('hints in the words of the run', () => {
  const COMPONENT = {
    // What the component's job sets: every input as its IMAGE_BUMP_* variable, left-out ones empty.
    IMAGE_BUMP_TOKEN_VARIABLE: 'GITOPS_TOKEN',
    IMAGE_BUMP_SERVER_URL: 'http://127.0.0.1:9',
    IMAGE_BUMP_PROJECT: 'group/gitops',
    IMAGE_BUMP_TARGET_ENV: 'prod',
    IMAGE_BUMP_APP_NAME: 'app',
    IMAGE_BUMP_APP_IMAGE: 'registry.example.com/app:v2.0.0',
  };

  it('names the token_variable input when the component runs without the token', async () => {
    const { error, hint } = refusal(await runCli(['push'], { env: COMPONENT }), 'token-missing');
    expect(error).toBe('GITOPS_TOKEN is not set: no token to push with');
    expect(hint).toContain('with the token_variable input');
    expect(hint).not.toContain('--token-variable');
  });

  it('names the flag when the run has flags', async () => {
    const { hint } = refusal(
      await runCli([
        'push',
        '--server-url',
        'http://127.0.0.1:9',
        '--project',
        'group/gitops',
        '--target-env',
        'prod',
        '--image',
        'app:v2',
      ]),
      'token-missing',
    );
    expect(hint).toContain('with --token-variable');
  });

  it('names the project and server_url inputs in settings hints from the component', async () => {
    const noProject = refusal(await runCli(['push'], { env: { ...COMPONENT, IMAGE_BUMP_PROJECT: '' } }));
    expect(noProject.error).toBe('no GitOps project given');
    expect(noProject.hint).toMatch(/^Set the project input to the path of the GitOps project/);
    const badUrl = refusal(
      await runCli(['push'], { env: { ...COMPONENT, IMAGE_BUMP_SERVER_URL: 'https://user@gitlab.example.com' } }),
      'server-url-invalid',
    );
    expect(badUrl.hint).toContain('named by the token_variable input');
    const noTarget = refusal(await runCli(['push'], { env: { ...COMPONENT, IMAGE_BUMP_TARGET_ENV: '' } }));
    expect(noTarget.hint).toContain('Pass the target_env input set to ENV');
    expect(noTarget.hint).toContain('the files input, the helm_values input or the markers input');
  });

  it('names the token_variable input when the component is given a value for a name', async () => {
    const { hint } = refusal(
      await runCli(['push'], { env: { ...COMPONENT, IMAGE_BUMP_TOKEN_VARIABLE: 'glpat-not-a-name' } }),
      'token-variable-invalid',
    );
    expect(hint).not.toContain('--token-variable');
    // A flag given on the component's own command line is still named as a flag.
    const flagged = refusal(await runCli(['push', '--token-variable', 'not-a-name'], { env: COMPONENT }));
    expect(flagged.error).toMatch(/^--token-variable must be the NAME/);
  });

  it('names IMAGE_BUMP_* variables in a hand-written job that sets them without the component', async () => {
    const env = {
      IMAGE_BUMP_SERVER_URL: 'http://127.0.0.1:9',
      IMAGE_BUMP_PROJECT: 'group/gitops',
      IMAGE_BUMP_IMAGE: 'app:v2',
    };
    const noTarget = refusal(await runCli(['push'], { env }));
    expect(noTarget.hint).toMatch(/^Pass --target-env ENV/);
    const badProject = refusal(
      await runCli(['push', '--target-env', 'prod'], { env: { ...env, IMAGE_BUMP_PROJECT: 'gitops' } }),
    );
    expect(badProject.hint).toMatch(/^Set IMAGE_BUMP_PROJECT to the path of the GitOps project/);
  });
});

describe('one mapping from option to component input', () => {
  const template = readFileSync(new URL('../templates/image-bump.yml', import.meta.url), 'utf8');
  const [header, body] = template.split(/^---$/m) as [string, string];
  const inputs = Object.keys((parse(header) as { spec: { inputs: Record<string, unknown> } }).spec.inputs);
  const variables = Object.values(parse(body) as Record<string, { variables?: Record<string, string> }>)[0]?.variables;

  it('matches what the template sets: IMAGE_BUMP_<OPTION> from inputs.<input>', () => {
    expect(variables).toBeDefined();
    const set = Object.entries(variables!).flatMap(([name, value]) => {
      const input = /^\$\[\[ inputs\.(\w+) \]\]/.exec(value)?.[1];
      return name.startsWith('IMAGE_BUMP_') && input ? [[name, input] as const] : [];
    });
    expect(set.length).toBeGreaterThan(20);
    for (const [variable, input] of set) {
      const option = (Object.keys(OPTIONS) as OptionName[]).find(
        (name) => `IMAGE_BUMP_${name.toUpperCase().replace(/-/g, '_')}` === variable,
      );
      expect(option, variable).toBeDefined();
      expect(inputName(option!), variable).toBe(input);
    }
    // And every option with an input is one the template sets from it.
    for (const option of Object.keys(OPTIONS) as OptionName[]) {
      const input = inputName(option);
      if (!input) continue;
      expect(inputs, option).toContain(input);
      expect(set, option).toContainEqual([`IMAGE_BUMP_${option.toUpperCase().replace(/-/g, '_')}`, input]);
    }
  });
});

describe('closest', () => {
  it('finds a word two edits away or nearer, a swap counting as one, and nothing further', () => {
    expect(closest('dri', ['dir', 'file'])).toBe('dir');
    expect(closest('halp', ['help', 'version'])).toBe('help');
    expect(closest('target-evn', ['target-env', 'path'])).toBe('target-env');
    expect(closest('frobnicate', ['dir', 'file'])).toBeUndefined();
    expect(closest('xyz', ['dir'])).toBeUndefined();
  });
});
