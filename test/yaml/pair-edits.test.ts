import { describe, expect, it } from 'vitest';
import { setHelmImage } from '../../src/yaml/helm-values-editor.js';
import { setImages } from '../../src/yaml/kustomization-editor.js';

// The Helm and kustomization editors fill an empty value and insert pairs with the same helpers (pair-edits.ts).
describe('filling an empty value', () => {
  it('keeps a comment after an empty kustomization field a comment', () => {
    const text = 'images:\n- name: app\n  newTag: # pinned by release\n';
    expect(setImages(text, [{ name: 'app', newTag: '2.0' }]).text).toBe(
      'images:\n- name: app\n  newTag: "2.0" # pinned by release\n',
    );
  });

  it('replaces ~ in a kustomization and null in Helm values', () => {
    expect(setImages('images:\n- name: app\n  newTag: ~\n', [{ name: 'app', newTag: 'v2' }]).text).toBe(
      'images:\n- name: app\n  newTag: v2\n',
    );
    const helm = setHelmImage(
      'image:\n  repository: app\n  tag: null # set by CI\n',
      [{ name: 'app', newTag: 'v2' }],
      [{ path: 'image', keys: {} }],
    );
    expect(helm.text).toBe('image:\n  repository: app\n  tag: v2 # set by CI\n');
  });
});
