#!/usr/bin/env node
/**
 * A registry mirror that serves only this platform's prebuilt binaries makes npm leave other
 * platforms' optional packages (@swc/core-darwin-arm64, …) out of package-lock.json, and then
 * `npm ci` refuses the lock as out of sync. This adds those entries back with the os/cpu their
 * names carry, exactly as the public registry would have written them; npm skips them on other
 * platforms without downloading anything. Run after `npm install <package>`.
 */
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const oses = ['darwin', 'win32', 'linux', 'freebsd', 'android', 'openharmony', 'netbsd', 'openbsd', 'sunos', 'aix', 'wasm32'];
const cpus = ['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'loong64', 'riscv64', 'mips64el', 'wasm32'];
let added = 0;
for (const [where, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const base = where ? `${where}/node_modules/${name}` : `node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (lock.packages[base] || lock.packages[top]) continue;
    const tokens = name.split('/').pop().split('-');
    const os = tokens.find((t) => oses.includes(t));
    const cpu = tokens.find((t) => cpus.includes(t));
    if (!os && !cpu) continue;
    lock.packages[top] = { version: String(version).replace(/^[\^~]/, ''), optional: true, ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}) };
    added++;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform-specific optional entries added`);
