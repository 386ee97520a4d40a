import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding Ferry's package.json, found from this file's place (dist/src/util/ when
 * built, src/util/ under the tests), so scripts and built assets are found from any working folder.
 */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}
