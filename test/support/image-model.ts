import type { ImageSetting } from '../../src/image/image-arg.js';

/** The model of a full reference string rewritten by a setting, as the Helm and marker editors must do it. */
export function rewriteReference(value: string, setting: ImageSetting): string {
  const slash = Math.max(value.indexOf('/'), 0);
  const at = value.indexOf('@', slash);
  const beforeDigest = at < 0 ? value : value.slice(0, at);
  let digestPart = at < 0 ? '' : value.slice(at + 1);
  const colon = beforeDigest.indexOf(':', slash);
  let name = colon < 0 ? beforeDigest : beforeDigest.slice(0, colon);
  let tagPart = colon < 0 ? '' : beforeDigest.slice(colon + 1);
  if (setting.newName) name = setting.newName;
  if (setting.newTag && setting.digest) [tagPart, digestPart] = [setting.newTag, setting.digest];
  else if (setting.newTag) [tagPart, digestPart] = [setting.newTag, ''];
  else if (setting.digest) [tagPart, digestPart] = ['', setting.digest];
  return name + (tagPart ? `:${tagPart}` : '') + (digestPart ? `@${digestPart}` : '');
}
