// The HTML report's size bound (DESIGN.md "HTML report"): builds a corpus
// of 2,200 documents in 200 groups of 11 near copies (11,000 flagged
// pairs), renders its HTML report, and times opening it in headless
// Chromium (until `load`), opening a pair's view, and sorting the list.
// Not part of CI (it takes a minute):
//
//   node tests/browser/measure.mjs [--bin target/release/neardup]

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const i = process.argv.indexOf('--bin');
const bin = path.resolve(i > 0 ? process.argv[i + 1] : path.join(root, 'target/release/neardup'));
const GROUPS = 200, COPIES = 11, WORDS = 320;

let seed = 12345; // mulberry32
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
const vocab = Array.from({ length: 5000 }, (_, k) => `w${k.toString(36)}${'aeiou'[k % 5]}`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'neardup-measure-'));
const corpus = path.join(tmp, 'corpus');
fs.mkdirSync(corpus);
for (let g = 0; g < GROUPS; g++) {
  const base = Array.from({ length: WORDS }, () => vocab[Math.floor(rand() * vocab.length)]);
  for (let c = 0; c < COPIES; c++) {
    const w = base.map((x) => (rand() < 0.02 ? vocab[Math.floor(rand() * vocab.length)] : x));
    const lines = [];
    for (let k = 0; k < w.length; k += 16) lines.push(w.slice(k, k + 16).join(' '));
    fs.writeFileSync(path.join(corpus, `g${String(g).padStart(3, '0')}_${c}.txt`), lines.join('\n') + '\n');
  }
}
const html = path.join(tmp, 'report.html');
let t = Date.now();
execFileSync(bin, ['scan', corpus, '--format', 'html', '-o', html, '--fail-on', 'never']);
const scan = Date.now() - t;
const size = fs.statSync(html).size;
const rows = (fs.readFileSync(html, 'utf8').match(/<tr class="pair"/g) || []).length;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'neardup-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync'],
});
const page = await context.newPage();
t = Date.now();
await page.goto(pathToFileURL(html).href, { waitUntil: 'load', timeout: 120000 });
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
const load = Date.now() - t;
t = Date.now();
await page.locator('#pair-5000').click();
await page.locator('.pv[data-pair="5000"] mark').first().waitFor();
const view = Date.now() - t;
t = Date.now();
await page.click('th button[data-sort="sim"]');
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
const sort = Date.now() - t;
await context.close();
fs.rmSync(profile, { recursive: true, force: true });
fs.rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify({ pairs: rows, bytes: size, mib: +(size / 1048576).toFixed(2),
  per_pair_bytes: Math.round(size / rows), scan_ms: scan, open_ms: load, view_ms: view, sort_ms: sort }));
