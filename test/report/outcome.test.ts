import { mkdtemp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitMessage } from '../../src/push/commit-message.js';
import type { FileEdit } from '../../src/edit/edit-plan.js';
import { BumpError, UsageError } from '../../src/failures/errors.js';
import { jsonSummary } from '../../src/report/json-summary.js';
import { changeList } from '../../src/edit/edit-plan.js';
import { OUTCOME_KINDS, type Change, type Outcome } from '../../src/report/outcome.js';
import { createOutput, failureOf } from '../../src/failures/output.js';
import { registerSecret } from '../../src/failures/redact.js';
import { assertReportWritable, dotenvReport } from '../../src/report/dotenv-report.js';
import { createRunEnd } from '../../src/report/run-end.js';
import { endSettingsFromRawArguments } from '../../src/settings/option-reader.js';
import { readOutputSettings } from '../../src/settings/environment-inputs.js';
import { readSettings } from '../../src/settings/settings.js';
import { textSummary } from '../../src/report/summary.js';

const R = 'registry.example.com/team';
const SHA = '3f2c1ab9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8';
const APP: Change = {
  name: `${R}/app`,
  file: 'manifests/overlays/prod/kustomization.yaml',
  dir: 'manifests/overlays/prod',
  env: 'prod',
  previousImage: `${R}/app:v1.0.0`,
  newImage: `${R}/app:v1.1.0`,
};
const API: Change = {
  name: `${R}/api`,
  file: 'manifests/overlays/prod/kustomization.yaml',
  dir: 'manifests/overlays/prod',
  env: 'prod',
  newImage: `${R}/api:v2.0.0`,
};
const DIRECT = { mode: 'direct', branch: 'main', attempts: 1 } as const;
const REVIEW = { mode: 'merge-request', branch: 'main', attempts: 1 } as const;
const MR_URL = 'https://gitlab.example.com/group/gitops/-/merge_requests/7';

const APP_JSON = { name: APP.name, file: APP.file, previousImage: APP.previousImage, newImage: APP.newImage };
const APP_DOTENV = [`BUMP_PREVIOUS_IMAGE=${R}/app:v1.0.0`, `BUMP_NEW_IMAGE=${R}/app:v1.1.0`];
const NO_IMAGE_DOTENV = ['BUMP_PREVIOUS_IMAGE=', 'BUMP_NEW_IMAGE='];
const NO_MR_DOTENV = ['BUMP_MERGE_REQUEST_BRANCH=', 'BUMP_MERGE_REQUEST_URL='];

interface Row {
  outcome: Outcome;
  text: string;
  /** The `outcome` member of the JSON object, beyond the fields every row shares. */
  json: Record<string, unknown>;
  dotenv: string[];
}

const ROWS: Row[] = [
  {
    outcome: { kind: 'pushed', push: { ...DIRECT, attempts: 3 }, commit: SHA, changes: [APP] },
    text: `bumped ${R}/app in manifests/overlays/prod: ${R}/app:v1.0.0 -> ${R}/app:v1.1.0 (commit 3f2c1ab on main, after 3 attempts)`,
    json: {
      kind: 'pushed',
      changed: true,
      mode: 'direct',
      branch: 'main',
      commit: SHA,
      attempts: 3,
      changes: [APP_JSON],
      mergeRequest: null,
    },
    dotenv: [
      'BUMP_CHANGED=true',
      'BUMP_OUTCOME=pushed',
      `BUMP_COMMIT_SHA=${SHA}`,
      'BUMP_BRANCH=main',
      ...APP_DOTENV,
      ...NO_MR_DOTENV,
    ],
  },
  {
    outcome: {
      kind: 'proposed',
      push: REVIEW,
      commit: SHA,
      mergeRequest: { branch: 'image-bump/prod/app', url: MR_URL },
      changes: [APP],
    },
    text: `proposed ${R}/app in manifests/overlays/prod: ${R}/app:v1.0.0 -> ${R}/app:v1.1.0 (commit 3f2c1ab on image-bump/prod/app, merge request into main: ${MR_URL})`,
    json: {
      kind: 'proposed',
      changed: true,
      mode: 'merge-request',
      branch: 'main',
      commit: SHA,
      attempts: 1,
      changes: [APP_JSON],
      mergeRequest: { branch: 'image-bump/prod/app', url: MR_URL },
    },
    dotenv: [
      'BUMP_CHANGED=true',
      'BUMP_OUTCOME=proposed',
      `BUMP_COMMIT_SHA=${SHA}`,
      'BUMP_BRANCH=main',
      ...APP_DOTENV,
      'BUMP_MERGE_REQUEST_BRANCH=image-bump/prod/app',
      `BUMP_MERGE_REQUEST_URL=${MR_URL}`,
    ],
  },
  {
    outcome: {
      kind: 'already-proposed',
      push: REVIEW,
      mergeRequest: { branch: 'image-bump/prod/app' },
      changes: [APP],
    },
    text: `nothing to change: merge request branch image-bump/prod/app already proposes ${R}/app in manifests/overlays/prod: ${R}/app:v1.0.0 -> ${R}/app:v1.1.0 for main`,
    json: {
      kind: 'already-proposed',
      changed: false,
      mode: 'merge-request',
      branch: 'main',
      commit: null,
      attempts: 1,
      changes: [APP_JSON],
      mergeRequest: { branch: 'image-bump/prod/app', url: null },
    },
    dotenv: [
      'BUMP_CHANGED=false',
      'BUMP_OUTCOME=already-proposed',
      'BUMP_COMMIT_SHA=',
      'BUMP_BRANCH=main',
      ...APP_DOTENV,
      'BUMP_MERGE_REQUEST_BRANCH=image-bump/prod/app',
      'BUMP_MERGE_REQUEST_URL=',
    ],
  },
  {
    outcome: { kind: 'dry-run', push: DIRECT, changes: [APP] },
    text: `dry run: would bump ${R}/app in manifests/overlays/prod: ${R}/app:v1.0.0 -> ${R}/app:v1.1.0 on main; nothing pushed`,
    json: {
      kind: 'dry-run',
      changed: false,
      mode: 'direct',
      branch: 'main',
      commit: null,
      attempts: 1,
      changes: [APP_JSON],
      mergeRequest: null,
    },
    dotenv: [
      'BUMP_CHANGED=false',
      'BUMP_OUTCOME=dry-run',
      'BUMP_COMMIT_SHA=',
      'BUMP_BRANCH=main',
      ...APP_DOTENV,
      ...NO_MR_DOTENV,
    ],
  },
  {
    outcome: { kind: 'dry-run', push: REVIEW, mergeRequest: { branch: 'image-bump/prod/app' }, changes: [APP] },
    text: `dry run: would propose ${R}/app in manifests/overlays/prod: ${R}/app:v1.0.0 -> ${R}/app:v1.1.0 in a merge request from image-bump/prod/app into main; nothing pushed`,
    json: {
      kind: 'dry-run',
      changed: false,
      mode: 'merge-request',
      branch: 'main',
      commit: null,
      attempts: 1,
      changes: [APP_JSON],
      mergeRequest: { branch: 'image-bump/prod/app', url: null },
    },
    dotenv: [
      'BUMP_CHANGED=false',
      'BUMP_OUTCOME=dry-run',
      'BUMP_COMMIT_SHA=',
      'BUMP_BRANCH=main',
      ...APP_DOTENV,
      'BUMP_MERGE_REQUEST_BRANCH=image-bump/prod/app',
      'BUMP_MERGE_REQUEST_URL=',
    ],
  },
  {
    outcome: {
      kind: 'nothing-to-change',
      push: { ...DIRECT, attempts: 2 },
      current: [{ name: `${R}/app`, dir: 'manifests/overlays/prod', image: `${R}/app:v1.1.0` }],
      changes: [],
    },
    text: `nothing to change: ${R}/app in manifests/overlays/prod is already ${R}/app:v1.1.0`,
    json: {
      kind: 'nothing-to-change',
      changed: false,
      mode: 'direct',
      branch: 'main',
      commit: null,
      attempts: 2,
      changes: [],
      mergeRequest: null,
    },
    dotenv: [
      'BUMP_CHANGED=false',
      'BUMP_OUTCOME=nothing-to-change',
      'BUMP_COMMIT_SHA=',
      'BUMP_BRANCH=main',
      ...NO_IMAGE_DOTENV,
      ...NO_MR_DOTENV,
    ],
  },
  {
    outcome: {
      kind: 'skipped-downgrade',
      push: DIRECT,
      downgrades: [`${R}/app v1.1.0 -> v1.0.0 in manifests/overlays/prod/kustomization.yaml`],
      changes: [],
    },
    text: `nothing to change: not downgrading ${R}/app v1.1.0 -> v1.0.0 in manifests/overlays/prod/kustomization.yaml (--on-downgrade skip)`,
    json: {
      kind: 'skipped-downgrade',
      changed: false,
      mode: 'direct',
      branch: 'main',
      commit: null,
      attempts: 1,
      changes: [],
      mergeRequest: null,
      skippedDowngrades: [`${R}/app v1.1.0 -> v1.0.0 in manifests/overlays/prod/kustomization.yaml`],
    },
    dotenv: [
      'BUMP_CHANGED=false',
      'BUMP_OUTCOME=skipped-downgrade',
      'BUMP_COMMIT_SHA=',
      'BUMP_BRANCH=main',
      ...NO_IMAGE_DOTENV,
      ...NO_MR_DOTENV,
    ],
  },
  {
    outcome: { kind: 'edited', changes: [APP, API] },
    text: `set 2 images in manifests/overlays/prod: ${R}/app -> ${R}/app:v1.1.0, ${R}/api -> ${R}/api:v2.0.0`,
    json: {
      kind: 'edited',
      changed: true,
      mode: null,
      branch: null,
      commit: null,
      attempts: null,
      changes: [APP_JSON, { name: API.name, file: API.file, previousImage: null, newImage: API.newImage }],
      mergeRequest: null,
    },
    dotenv: [
      'BUMP_CHANGED=true',
      'BUMP_OUTCOME=edited',
      'BUMP_COMMIT_SHA=',
      'BUMP_BRANCH=',
      'BUMP_CHANGE_COUNT=2',
      `BUMP_PREVIOUS_IMAGE_1=${R}/app:v1.0.0`,
      `BUMP_NEW_IMAGE_1=${R}/app:v1.1.0`,
      'BUMP_PREVIOUS_IMAGE_2=',
      `BUMP_NEW_IMAGE_2=${R}/api:v2.0.0`,
      ...NO_MR_DOTENV,
    ],
  },
];

describe('one outcome, three renderings', () => {
  it('has a row for every outcome kind', () => {
    expect(new Set(ROWS.map((row) => row.outcome.kind))).toEqual(new Set(OUTCOME_KINDS));
  });

  it.each(ROWS.map((row) => [row.outcome.kind, row] as const))(
    '%s: the text summary, the JSON object and the dotenv report',
    (_kind, row) => {
      expect(textSummary(row.outcome)).toBe(row.text);
      expect(JSON.parse(jsonSummary(row.outcome))).toEqual({
        ok: true,
        exitCode: 0,
        error: null,
        hint: null,
        outcome: { skippedDowngrades: [], ...row.json },
      });
      expect(dotenvReport(row.outcome)).toBe(`${row.dotenv.join('\n')}\n`);
    },
  );

  it('a failure: the error and hint in JSON with no outcome, BUMP_CHANGED=false in the report', () => {
    const failure = failureOf(new UsageError('no image given', { hint: 'Pass --image NAME=IMAGE.' }));
    expect(JSON.parse(jsonSummary(null, failure))).toEqual({
      ok: false,
      exitCode: 2,
      error: 'no image given',
      hint: 'Pass --image NAME=IMAGE.',
      outcome: null,
    });
    expect(JSON.parse(jsonSummary(null, failureOf(new Error('boom'))))).toEqual({
      ok: false,
      exitCode: 1,
      error: 'boom',
      hint: null,
      outcome: null,
    });
    expect(dotenvReport(null)).toBe('BUMP_CHANGED=false\nBUMP_OUTCOME=failed\n');
  });

  it('redacts the JSON object and the report, even a secret that JSON escaping would change', () => {
    const secret = 'tok"en\\with-escapes-91c2';
    registerSecret(secret);
    const json = jsonSummary(null, failureOf(new BumpError(`rejected ${secret}`, { hint: `rotate ${secret}` })));
    expect(JSON.parse(json)).toMatchObject({ error: 'rejected [MASKED]', hint: 'rotate [MASKED]' });
    expect(json).not.toContain('en\\\\with');
    const outcome: Outcome = {
      kind: 'pushed',
      push: DIRECT,
      commit: SHA,
      changes: [{ ...APP, newImage: `${R}/app:${secret.replace(/\W/g, '')}` }],
    };
    registerSecret(secret.replace(/\W/g, ''));
    expect(dotenvReport(outcome)).toContain(`BUMP_NEW_IMAGE=${R}/app:[MASKED]\n`);
  });
});

describe('BUMP_IMAGE_VERIFIED', () => {
  const nothing: Outcome = { kind: 'nothing-to-change', push: DIRECT, current: [], changes: [] };
  it('says verified only when images were asked about and all were found, and is left out when none was asked', () => {
    const image = `${R}/app:v1.1.0`;
    expect(dotenvReport({ ...nothing, verified: [{ image, status: 'verified' }] })).toContain(
      'BUMP_IMAGE_VERIFIED=verified\n',
    );
    expect(
      dotenvReport({
        ...nothing,
        verified: [
          { image, status: 'verified' },
          { image: `${R}/api:v2.0.0`, status: 'not-verified' },
        ],
      }),
    ).toContain('BUMP_IMAGE_VERIFIED=not-verified\n');
    expect(dotenvReport({ ...nothing, verified: [] })).not.toContain('BUMP_IMAGE_VERIFIED');
    // The JSON lists what was asked: nothing.
    expect(JSON.parse(jsonSummary({ ...nothing, verified: [] }))).toMatchObject({ outcome: { verifiedImages: [] } });
  });
});

describe('the change list', () => {
  it('holds the changed images of every file, in order, and is what the commit message lists', () => {
    const edit = (shown: string, dir: string, changes: FileEdit['changes']): FileEdit => ({
      kind: 'kustomization',
      path: `/repo/${shown}`,
      shown,
      dir,
      env: 'prod',
      editor: () => ({ text: '', changes: [] }),
      before: '',
      after: '',
      changes,
    });
    const edits = [
      edit(APP.file, APP.dir, [
        {
          name: APP.name,
          previousImage: APP.previousImage,
          newImage: APP.newImage,
          after: { newTag: 'v1.1.0' },
          changed: true,
        },
        {
          name: `${R}/same`,
          previousImage: `${R}/same:v1`,
          newImage: `${R}/same:v1`,
          after: { newTag: 'v1' },
          changed: false,
        },
      ]),
      edit('values.yaml', 'values.yaml', [
        { name: API.name, newImage: API.newImage, after: { newTag: 'v2.0.0' }, changed: true },
      ]),
    ];
    const changes = changeList(edits);
    expect(changes).toEqual([APP, { ...API, file: 'values.yaml', dir: 'values.yaml' }]);
    expect(commitMessage('Update {name}', changes)).toBe(
      `Update ${R}/app, ${R}/api\n\n- ${R}/app in manifests/overlays/prod: ${R}/app:v1.0.0 -> ${R}/app:v1.1.0\n- ${R}/api in values.yaml: (not set) -> ${R}/api:v2.0.0\n`,
    );
  });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const output = createOutput(readOutputSettings({}), {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    now: () => 0,
  });
  return { output, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('finish: the one way a run ends', () => {
  it('prints the text summary last, or with --json only the JSON object, and writes the report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'image-bump-end-'));
    const [row] = ROWS;
    const text = capture();
    expect(
      createRunEnd(text.output, { json: false, reportFile: join(dir, 'text.env') }).finish({ outcome: row!.outcome }),
    ).toBe(0);
    expect(text.stdout()).toBe(`${row!.text}\n`);
    const json = capture();
    expect(
      createRunEnd(json.output, { json: true, reportFile: join(dir, 'json.env') }).finish({ outcome: row!.outcome }),
    ).toBe(0);
    expect(JSON.parse(json.stdout())).toMatchObject({ ok: true, outcome: { kind: 'pushed', commit: SHA } });
    for (const file of ['text.env', 'json.env'])
      expect(await readFile(join(dir, file), 'utf8')).toBe(dotenvReport(row!.outcome));
  });

  it('ends once: a second call (a signal after the end, or the end after a signal) changes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'image-bump-end-'));
    const { output, stdout, stderr } = capture();
    const end = createRunEnd(output, { json: true, reportFile: join(dir, 'bump.env') });
    expect(end.finish({ error: new BumpError('interrupted by SIGTERM', { exitCode: 143 }) })).toBe(143);
    expect(end.finish({ outcome: ROWS[0]!.outcome })).toBe(143);
    expect(end.finish({ error: new Error('late') })).toBe(143);
    expect(stderr()).toBe('error: interrupted by SIGTERM\n');
    expect(stdout().trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout())).toEqual({
      ok: false,
      exitCode: 143,
      error: 'interrupted by SIGTERM',
      hint: null,
      outcome: null,
    });
    expect(await readFile(join(dir, 'bump.env'), 'utf8')).toBe('BUMP_CHANGED=false\nBUMP_OUTCOME=failed\n');
  });

  it('ended inside a section (by a signal), prints that section’s lines before the JSON object', () => {
    const { output, stdout } = capture();
    void output.section('push', 'Push to main', () => {
      output.info('pushing');
      return new Promise(() => undefined);
    });
    expect(stdout()).toBe('');
    createRunEnd(output, { json: true }).finish({ error: new BumpError('interrupted by SIGINT', { exitCode: 130 }) });
    const lines = stdout().trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['Push to main (0.0 s)', 'pushing']);
    expect(JSON.parse(lines[2]!)).toMatchObject({ exitCode: 130 });
    expect(lines).toHaveLength(3);
  });

  it('uses the settings as read once they are known, and warns (keeping the exit code) when the report cannot be written', () => {
    const { output, stdout, stderr } = capture();
    const end = createRunEnd(output, { json: true, reportFile: '/nonexistent-dir-for-image-bump/bump.env' });
    end.configure({ json: false });
    expect(end.finish({ outcome: ROWS[0]!.outcome })).toBe(0);
    expect(stdout()).toBe(`${ROWS[0]!.text}\n`);
    expect(stderr()).toMatch(
      /^warning: could not write the report \/nonexistent-dir-for-image-bump\/bump\.env: ENOENT/,
    );
  });
});

describe('the report path is checked before anything is cloned', () => {
  it('accepts a new file in a writable directory and an existing file, creating and changing nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'image-bump-report-'));
    expect(() => assertReportWritable(join(dir, 'new.env'))).not.toThrow();
    await writeFile(join(dir, 'old.env'), 'KEEP=1\n');
    expect(() => assertReportWritable(join(dir, 'old.env'))).not.toThrow();
    expect(await readdir(dir)).toEqual(['old.env']);
    expect(await readFile(join(dir, 'old.env'), 'utf8')).toBe('KEEP=1\n');
  });

  it('refuses a missing directory, a directory, and a file as a directory, with exit 2 and a hint, creating nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'image-bump-report-'));
    await mkdir(join(dir, 'reports'));
    await writeFile(join(dir, 'file'), '');
    const refusal = (path: string) => {
      try {
        assertReportWritable(path);
      } catch (error) {
        return error as UsageError;
      }
      throw new Error(`${path} was accepted`);
    };
    const missing = refusal(join(dir, 'missing', 'bump.env'));
    expect(missing).toBeInstanceOf(UsageError);
    expect(missing.message).toBe(
      `cannot write the report ${dir}/missing/bump.env: directory ${dir}/missing does not exist`,
    );
    expect(missing.hint).toMatch(/^Create .*\/missing first/);
    expect(refusal(join(dir, 'reports')).message).toBe(`cannot write the report ${dir}/reports: it is a directory`);
    expect(refusal(join(dir, 'file', 'bump.env')).message).toMatch(
      /: directory .*\/file does not exist|is not a directory/,
    );
    expect((await readdir(dir)).sort()).toEqual(['file', 'reports']);
  });
});

describe('--json and --report from arguments that do not parse', () => {
  it('finds them as flags (either form, the last one wins) or IMAGE_BUMP_* variables', () => {
    expect(
      endSettingsFromRawArguments(['push', '--bogus', '--json', '--report', 'a.env', '--report=b.env'], {}),
    ).toEqual({ json: true, reportFile: 'b.env' });
    expect(
      endSettingsFromRawArguments(['push', '--bogus'], { IMAGE_BUMP_JSON: 'TRUE', IMAGE_BUMP_REPORT: 'c.env' }),
    ).toEqual({ json: true, reportFile: 'c.env' });
    expect(endSettingsFromRawArguments(['psuh', '--report', 'd.env'], {})).toEqual({
      json: false,
      reportFile: 'd.env',
    });
  });

  it('writes no report for edit, --help and --version, which have none', () => {
    for (const argv of [['edit', '--report', 'x.env'], ['--help'], ['--version'], []]) {
      expect(endSettingsFromRawArguments(argv, { IMAGE_BUMP_REPORT: 'y.env' }).reportFile).toBeUndefined();
    }
  });
});

describe('a flag and its IMAGE_BUMP_* variable take the same forms', () => {
  const images = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const settings = readSettings(['edit', ...argv], env);
    return settings.command === 'edit' ? settings.imageArgs : [];
  };
  const list = ['app=registry.example.com/app:v1', 'api:v2'];

  it.each([
    ['a JSON array', '["app=registry.example.com/app:v1", "api:v2"]'],
    ['a comma-separated list', 'app=registry.example.com/app:v1, api:v2'],
    ['a newline-separated list', 'app=registry.example.com/app:v1\napi:v2\n'],
  ])('--images and IMAGE_BUMP_IMAGES as %s', (_form, raw) => {
    expect(images(['--images', raw])).toEqual(list);
    expect(images([`--images=${raw}`])).toEqual(list);
    expect(images([], { IMAGE_BUMP_IMAGES: raw })).toEqual(list);
  });

  it('--image and IMAGE_BUMP_IMAGE likewise, and repeated flags add up', () => {
    expect(images(['--image', 'app=registry.example.com/app:v1,api:v2'])).toEqual(list);
    expect(images([], { IMAGE_BUMP_IMAGE: 'app=registry.example.com/app:v1,api:v2' })).toEqual(list);
    expect(images(['--image', list[0]!, '--image', list[1]!])).toEqual(list);
  });
});
