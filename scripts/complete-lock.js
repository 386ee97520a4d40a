#!/usr/bin/env node
// Run after `npm install` changes package-lock.json. The registry this project's machines reach
// serves only the platform packages of this machine (e.g. @swc/core-linux-x64-gnu, not -darwin-*),
// so npm leaves the other platforms' optional packages out of the lock file, and `npm ci` then
// refuses the lock as out of sync. This adds each missing optional package as an optional entry;
// npm ci skips the ones it can't install, as it does for any optional dependency.
const fs = require('node:fs');
const file = require('node:path').join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pkgs = lock.packages;
let added = 0;
for (const [where, pkg] of Object.entries(pkgs)) {
  for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    const nested = `${where ? `${where}/` : ''}node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (pkgs[nested] || pkgs[top]) continue;
    pkgs[top] = { version: String(range).replace(/^[\^~=]/, ''), optional: true };
    added++;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} optional platform package entr${added === 1 ? 'y' : 'ies'}`);
