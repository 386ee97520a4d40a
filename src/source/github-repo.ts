import { FerryError } from '../errors';

/** `acme/web` as GitHub's API takes it: owner and name. */
export function ownerAndName(repo: string): [string, string] {
  const [owner, name, more] = repo.split('/');
  if (!owner || !name || more !== undefined)
    throw new FerryError('CONFIG_INVALID', `${repo} is not a GitHub repository; use owner/name, e.g. acme/web.`);
  return [owner, name];
}
