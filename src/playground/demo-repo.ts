import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Author {
  name: string;
  email: string;
}

const ALICE: Author = { name: 'Alice Moreau', email: 'alice@playground.test' };
const BOB: Author = { name: 'Bob Okafor', email: 'bob@playground.test' };
const CAROL: Author = { name: 'Carol Lindqvist', email: 'carol@playground.test' };

/** Branches of the demo repository, for the page's tips and the printed summary. */
export const DEMO_BRANCHES = ['main', 'feature/checkout', 'fix/typo', 'broken-build'];

// The deploy hook local-deploy.sh runs inside each release: a few seconds of plausible output, so
// a deploy is seen queued, running and done. broken-build's version fails its tests.
const HOOK = `#!/usr/bin/env bash
set -euo pipefail
step() { echo "==> $1"; sleep 0.5; }
step "installing dependencies"
echo "added 214 packages in 0.4s"
step "building"
echo "built dist/app.js (42.1 kB) and dist/app.css (3.2 kB)"
step "running database migrations"
echo "2 migrations applied"
step "restarting the service"
echo "health check: 200 OK in 38 ms"
`;

const BROKEN_HOOK = `#!/usr/bin/env bash
set -euo pipefail
echo "==> installing dependencies"
sleep 0.5
echo "added 215 packages in 0.5s"
echo "==> running tests"
sleep 0.5
echo "FAIL test/cart.test.js"
echo "  cart total with a discount code"
echo "    expected: 27.00"
echo "    received: 30.00"
echo "Tests: 1 failed, 41 passed"
exit 1
`;

/**
 * A small git repository with real history by three authors, branches and a tag: what the
 * playground deploys. Made once; an existing one is used as it is.
 */
export async function ensureDemoRepo(dir: string, baseEnv: Record<string, string>): Promise<string> {
  if (existsSync(path.join(dir, '.git'))) return dir;
  mkdirSync(dir, { recursive: true });
  const day = 86_400_000;
  let when = Date.now() - 9 * day;
  const git = (args: string[], author?: Author) => {
    const env = { ...baseEnv, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
    if (author) {
      when += day / 3;
      const date = new Date(when).toISOString();
      Object.assign(env, {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      });
    }
    return run('git', args, { cwd: dir, env });
  };
  const write = (file: string, text: string, mode?: number) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text, mode === undefined ? undefined : { mode });
  };
  const commit = async (author: Author, subject: string, files: Record<string, string>) => {
    for (const [f, text] of Object.entries(files)) write(f, text, f.startsWith('.ferry/') ? 0o755 : undefined);
    await git(['add', '-A']);
    await git(['commit', '-q', '-m', subject], author);
  };

  await git(['init', '-q', '-b', 'main']);
  await commit(ALICE, 'Create the shop skeleton', {
    'README.md': '# Shop\n\nThe demo app Ferry deploys in the playground.\n',
    'src/app.js': "console.log('shop');\n",
  });
  await commit(BOB, 'Add the product list', { 'src/products.js': "export const products = ['kettle', 'teapot', 'mug'];\n" });
  await commit(CAROL, "Format prices in the shopper's currency", { 'src/price.js': 'export const price = (p) => p.toFixed(2);\n' });
  await commit(ALICE, 'Add a deploy hook that builds and migrates', { '.ferry/deploy-hook': HOOK });
  await commit(BOB, 'Add a health check endpoint', { 'src/health.js': "export const health = () => 'ok';\n" });
  await git(['tag', 'v1.0.0']);

  await git(['checkout', '-q', '-b', 'feature/checkout']);
  await commit(BOB, 'Add the checkout page', { 'src/checkout.js': 'export const checkout = () => {};\n' });
  await commit(CAROL, 'Validate card numbers with Luhn', { 'src/card.js': 'export const valid = (n) => n.length > 12;\n' });

  await git(['checkout', '-q', 'main']);
  await git(['checkout', '-q', '-b', 'fix/typo']);
  await commit(CAROL, 'Fix a typo in the footer', { 'src/footer.js': "export const footer = 'Thanks for shopping';\n" });

  await git(['checkout', '-q', 'main']);
  await git(['checkout', '-q', '-b', 'broken-build']);
  await commit(ALICE, 'Try the new discount rules', {
    '.ferry/deploy-hook': BROKEN_HOOK,
    'src/discount.js': 'export const discount = (t) => t;\n',
  });

  await git(['checkout', '-q', 'main']);
  return dir;
}
