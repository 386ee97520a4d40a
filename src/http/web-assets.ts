import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { projectRoot } from '../util/project-root';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The browser scripts and stylesheets built into dist/web (scripts/build.sh), served by Ferry's log
 * page and by the playground. Found from the project root, so it works from dist/src/ and, under
 * the tests, from src/.
 */
export class WebAssets {
  private readonly cache = new Map<string, Buffer>();

  constructor(readonly dir: string = path.join(projectRoot(), 'dist', 'web')) {}

  /** Writes the asset `name` (e.g. "log-page.js"), or a 404 naming the build step when missing. */
  serve(res: ServerResponse, name: string): void {
    const type = TYPES[path.extname(name)];
    const body = type && /^[\w.-]+$/.test(name) ? this.read(name) : undefined;
    if (!type || !body) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`No such asset: ${name}. Run \`npm run build\` to build dist/web.\n`);
      return;
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(body);
  }

  private read(name: string): Buffer | undefined {
    let body = this.cache.get(name);
    if (!body) {
      const file = path.join(this.dir, name);
      if (!existsSync(file)) return undefined;
      body = readFileSync(file);
      this.cache.set(name, body);
    }
    return body;
  }
}
