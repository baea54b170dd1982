import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { gitEnvironment } from '../src/git/environment.js';
import { gitBaseEnvironment } from '../src/settings/environment-inputs.js';

const TOKEN = 'glpat-Env7xQk2mW9zT4vB8nL3';
const HEADER = `Authorization: Basic ${Buffer.from(`oauth2:${TOKEN}`).toString('base64')}`;
const home = mkdtempSync(join(tmpdir(), 'image-bump-hostile-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

writeFileSync(
  join(home, '.gitconfig'),
  '[url "http://127.0.0.1:9/"]\n\tinsteadOf = https://gitlab.example.com/\n[core]\n\taskPass = /bin/false\n[trace2]\n\teventTarget = /tmp/x\n[http]\n\textraHeader = X-Evil: 1\n',
);

/** A job's environment with everything that must not reach git, and what should. */
const AMBIENT = {
  PATH: process.env.PATH,
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  HOME: home,
  XDG_CONFIG_HOME: home,
  GITLAB_PUSHER_TOKEN: TOKEN,
  CI_JOB_TOKEN: 'job-token-value',
  DEBUG: '*',
  NODE_DEBUG: 'child_process',
  NODE_OPTIONS: '--require /tmp/evil.js',
  EDITOR: 'vim',
  SSH_ASKPASS: '/usr/bin/ssh-askpass',
  GIT_ASKPASS: '/usr/bin/evil',
  GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
  GIT_CONFIG_PARAMETERS: "'http.extraheader'='X-Evil: 1'",
  GIT_TRACE2_EVENT: '/tmp/trace2',
  GIT_TRACE_CURL: '/tmp/curl',
  GIT_TRACE_REDACT: '0',
  GIT_CURL_VERBOSE: '1',
  GIT_TRACE: '/tmp/trace',
  GIT_SSL_CAINFO: '/etc/ssl/ca.pem',
  HTTPS_PROXY: 'http://proxy.example:3128',
  no_proxy: '.example.com',
};

const environment = gitEnvironment({
  serverUrl: 'https://gitlab.example.com',
  token: TOKEN,
  timeoutSeconds: 30,
  author: { name: 'bot', email: 'bot@example.com' },
  base: gitBaseEnvironment(AMBIENT),
});

describe('the environment of every git process', () => {
  it('holds what git needs and what a runner sets on purpose, and nothing else from the job', () => {
    const fromJob = Object.keys(environment.env).filter(
      (name) =>
        !/^GIT_(CONFIG_(COUNT|KEY_\d+|VALUE_\d+|NOSYSTEM|GLOBAL)|ASKPASS|TERMINAL_PROMPT|(AUTHOR|COMMITTER)_(NAME|EMAIL))$/.test(
          name,
        ),
    );
    expect(fromJob.sort()).toEqual([
      'GIT_SSL_CAINFO',
      'GIT_TRACE',
      'HOME',
      'HTTPS_PROXY',
      'LANG',
      'LC_ALL',
      'PATH',
      'XDG_CONFIG_HOME',
      'no_proxy',
    ]);
    expect(environment.env).toMatchObject({
      HOME: '/dev/null',
      XDG_CONFIG_HOME: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ASKPASS: '',
      GIT_TERMINAL_PROMPT: '0',
    });
  });

  it('carries the credential once, as the extraHeader of the server, and the token itself nowhere', () => {
    const values = Object.entries(environment.env);
    expect(values.filter(([, value]) => value.includes(TOKEN))).toEqual([]);
    expect(values.filter(([, value]) => value.includes(HEADER.slice(-20)))).toEqual([['GIT_CONFIG_VALUE_0', HEADER]]);
    expect(environment.env.GIT_CONFIG_KEY_0).toBe('http.https://gitlab.example.com/.extraHeader');
  });

  it('is all git reads: no system, global or XDG config, whatever HOME holds', async () => {
    const { stdout } = await execa('git', ['config', '--list', '--show-scope'], {
      env: environment.env,
      extendEnv: false,
      cwd: home,
    });
    const scopes = new Set(stdout.split('\n').map((line) => line.split('\t')[0]));
    expect([...scopes]).toEqual(['command']);
    expect(stdout).toContain('command\thttp.followredirects=false');
    expect(stdout).not.toMatch(/insteadof|askpass|trace2|X-Evil/i);
  });
});
