import { describe, expect, it } from 'vitest';
import {
  isBranchMoved,
  isLeaseLost,
  isProtectedBranchRefusal,
  isPushRefusal,
  rejectionLine,
} from '../../src/git/failure.js';

// What git prints for each way a push can be turned down (git 2.39+, GitLab's wording for protected branches).
const MOVED =
  "To http://127.0.0.1/group/app.git\n ! [rejected]        HEAD -> main (fetch first)\nerror: failed to push some refs to 'http://127.0.0.1/group/app.git'";
const LEASE =
  'To http://127.0.0.1/group/app.git\n ! [rejected]        HEAD -> image-bump/prod/app (stale info)\nerror: failed to push some refs';
const PROTECTED =
  'remote: GitLab: You are not allowed to push code to protected branches on this project.\n ! [remote rejected] HEAD -> main (pre-receive hook declined)';
const FORBIDDEN =
  "remote: You are not allowed to push code to this project.\nfatal: unable to access 'http://127.0.0.1/group/app.git/': The requested URL returned error: 403";
const UNREACHABLE =
  "fatal: unable to access 'http://127.0.0.1:9/group/app.git/': Failed to connect to 127.0.0.1 port 9: Connection refused";

describe('the ways a push is turned down', () => {
  it('tells a lost lease from a moved branch, and both from a refusal', () => {
    expect([isLeaseLost(LEASE), isBranchMoved(LEASE)]).toEqual([true, true]);
    expect([isLeaseLost(MOVED), isBranchMoved(MOVED)]).toEqual([false, true]);
    expect([isProtectedBranchRefusal(PROTECTED), isBranchMoved(PROTECTED), isPushRefusal(PROTECTED)]).toEqual([
      true,
      false,
      true,
    ]);
    expect([isProtectedBranchRefusal(FORBIDDEN), isPushRefusal(FORBIDDEN)]).toEqual([false, true]);
    expect([isBranchMoved(UNREACHABLE), isPushRefusal(UNREACHABLE)]).toEqual([false, false]);
  });

  it('names the rejected ref in one line', () => {
    expect(rejectionLine(MOVED)).toBe('[rejected] HEAD -> main (fetch first)');
    expect(rejectionLine(LEASE)).toBe('[rejected] HEAD -> image-bump/prod/app (stale info)');
  });
});
