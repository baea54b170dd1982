import { describe, expect, it } from 'vitest';
import { notOurBumpCommit, targetTrailer, withoutTargetTrailer } from '../../src/settings/bump-branch.js';

const HEADER =
  'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 1111111111111111111111111111111111111111\nauthor a <a@x> 1 +0000\ncommitter a <a@x> 1 +0000';

describe('recognising our own bump commit', () => {
  it('is ours: one parent and the target trailer in the last paragraph (beside provenance trailers)', () => {
    expect(notOurBumpCommit(`${HEADER}\n\nUpdate app1\n\nImage-Bump-Target: main\n`, 'main')).toBeUndefined();
    expect(
      notOurBumpCommit(
        `${HEADER}\n\nUpdate app1\n\n- a\n- b\n\nImage-Bump-Pipeline: https://x/-/pipelines/1\nImage-Bump-Target: main\n`,
        'main',
      ),
    ).toBeUndefined();
  });

  it('is not ours: no trailer, another target, the trailer only in the subject or body, or a merge or root commit', () => {
    expect(notOurBumpCommit(`${HEADER}\n\nHand-made change\n`, 'main')).toBe(
      'was not written by gitops-image-bump for main (no "Image-Bump-Target: main" trailer)',
    );
    expect(notOurBumpCommit(`${HEADER}\n\nUpdate\n\nImage-Bump-Target: release\n`, 'main')).toMatch(
      /^was not written by gitops-image-bump for main/,
    );
    expect(notOurBumpCommit(`${HEADER}\n\nUpdate\n\nImage-Bump-Target: main-2\n`, 'main')).toMatch(/^was not written/);
    expect(notOurBumpCommit(`${HEADER}\n\nImage-Bump-Target: main\n\nFixed by hand afterwards\n`, 'main')).toMatch(
      /^was not written/,
    );
    const merge = HEADER.replace('\nauthor', '\nparent 2222222222222222222222222222222222222222\nauthor');
    expect(notOurBumpCommit(`${merge}\n\nMerge\n\nImage-Bump-Target: main\n`, 'main')).toBe(
      'is not a single commit on top of another',
    );
    const root = HEADER.replace(/\nparent [0-9a-f]+/, '');
    expect(notOurBumpCommit(`${root}\n\nUpdate\n\nImage-Bump-Target: main\n`, 'main')).toBe(
      'is not a single commit on top of another',
    );
  });

  it('keeps the target trailer out of the merge request text, and every other line in it', () => {
    expect(withoutTargetTrailer(`Update app1\n\n${targetTrailer('main')}\n`)).toBe('Update app1');
    expect(
      withoutTargetTrailer('Update\n\n- a\n- b\n\nImage-Bump-Job: https://x/-/jobs/2\nImage-Bump-Target: main\n'),
    ).toBe('Update\n\n- a\n- b\n\nImage-Bump-Job: https://x/-/jobs/2');
  });
});
