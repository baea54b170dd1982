/**
 * Server-side git hooks of the test GitLab. The hooks themselves hold no logic: they collect what git
 * gives them (ref updates on stdin, push options in GIT_PUSH_OPTION_n, whether an update is a force
 * push, computed where the quarantined objects are visible) and ask the test server over HTTP what to
 * print and whether to accept. The server finds the push's project and token through the context id it
 * put in the CGI environment, which http-backend, receive-pack and the hooks inherit.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HOOK_URL_VARIABLE = 'GITLAB_TEST_HOOK_URL';
export const HOOK_CONTEXT_VARIABLE = 'GITLAB_TEST_CONTEXT';
/** `skip`: the server has no pre-receive rule for this push, so the hook exits 0 without starting node. */
export const PRE_RECEIVE_VARIABLE = 'GITLAB_TEST_PRE_RECEIVE';

export type HookName = 'pre-receive' | 'post-receive';

export interface RefUpdate {
  ref: string;
  old: string;
  new: string;
}

export interface HookRequest {
  context: string;
  hook: HookName;
  updates: (RefUpdate & { forced?: boolean })[];
  options: string[];
}

export interface HookResponse {
  exitCode: number;
  /** Printed by the hook; the client shows each line as `remote: …`. */
  output: string;
}

const HOOK_SCRIPT = `import { spawnSync } from 'node:child_process';

const ZERO = /^0+$/;
const hook = process.argv[2];
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const updates = Buffer.concat(chunks)
  .toString('utf8')
  .split('\\n')
  .filter(Boolean)
  .map((line) => {
    const [old, next, ref] = line.split(' ');
    return { ref, old, new: next };
  });
if (hook === 'pre-receive') {
  for (const update of updates) {
    if (!update.ref.startsWith('refs/heads/') || ZERO.test(update.old) || ZERO.test(update.new)) continue;
    const check = spawnSync('git', ['merge-base', '--is-ancestor', update.old, update.new]);
    update.forced = check.status !== 0;
  }
}
const options = [];
const count = Number(process.env.GIT_PUSH_OPTION_COUNT ?? '0');
for (let i = 0; i < count; i++) options.push(process.env['GIT_PUSH_OPTION_' + i] ?? '');

let answer;
try {
  const response = await fetch(process.env.${HOOK_URL_VARIABLE}, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ context: process.env.${HOOK_CONTEXT_VARIABLE}, hook, updates, options }),
  });
  if (!response.ok) throw new Error('status ' + response.status);
  answer = await response.json();
} catch (error) {
  process.stdout.write('test server hook callback failed: ' + error + '\\n');
  process.exit(1);
}
process.stdout.write(answer.output);
process.exitCode = answer.exitCode;
`;

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Writes the hook scripts into `dir` (to be used as `core.hooksPath`). */
export async function installHooks(dir: string, nodePath = process.execPath): Promise<void> {
  const script = join(dir, 'gitlab-hook.mjs');
  await writeFile(script, HOOK_SCRIPT);
  for (const hook of ['pre-receive', 'post-receive'] satisfies HookName[]) {
    const path = join(dir, hook);
    const skip = hook === 'pre-receive' ? `[ "$${PRE_RECEIVE_VARIABLE}" = skip ] && exit 0\n` : '';
    await writeFile(path, `#!/bin/sh\n${skip}exec ${shellQuote(nodePath)} ${shellQuote(script)} ${hook}\n`);
    await chmod(path, 0o755);
  }
}
