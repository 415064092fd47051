// Real-browser checks of neardup's HTML report (issue 13, item 2).
//
//   node check.mjs --bin PATH --out DIR [--screenshot FILE]
//
// Renders the example corpus's report (and its JSON report), opens it in
// Debian's Chromium through playwright-core and checks the DOM against the
// JSON: the pair count; for the partial pair 03_bakery_opening ~
// 04_harbour_row_digest, that each highlighted span's text is the file's
// bytes the JSON report gives; that clicking a span brings its partner into
// view. Then a copy of the corpus with a document carrying
// `<script>window.__pwned=1</script>` (and a copy of it, so it is flagged):
// nothing it carries runs, and the text shows literally. No request leaves
// the page, and the Content-Security-Policy reports no violation (the
// page's own script and style are allowed). Saves a screenshot.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const bin = path.resolve(opt('--bin', path.join(root, 'target/release/neardup')));
const out = path.resolve(opt('--out', path.join(root, 'target/browser')));
const screenshots = [path.join(root, 'target/html-report.png')];
if (opt('--screenshot')) screenshots.push(path.resolve(opt('--screenshot')));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let failures = 0;
function check(ok, what, detail) {
  if (ok) {
    console.log(`ok   ${what}`);
  } else {
    failures++;
    console.log(`FAIL ${what}${detail === undefined ? '' : `\n     ${detail}`}`);
  }
}

function neardup(cwd, ...a) {
  return execFileSync(bin, a, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** Scans `corpus` (relative to `cwd`): the JSON report, parsed, and the HTML page's path. */
function render(cwd, corpus, name) {
  const json = JSON.parse(neardup(cwd, 'scan', corpus, '--format', 'json', '--fail-on', 'never'));
  const html = path.join(out, `${name}.html`);
  neardup(cwd, 'scan', corpus, '--format', 'html', '-o', html, '--fail-on', 'never');
  return { json, html };
}

fs.mkdirSync(out, { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'neardup-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
  ],
});
const requests = [];
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith('file:')) return route.continue();
  requests.push(url);
  return route.abort();
});

async function open(file) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(pathToFileURL(file).href);
  return { page, errors };
}

/** The text of [start, end) of a file, as the JSON report's byte offsets give it. */
function bytes(cwd, file, loc) {
  return fs.readFileSync(path.resolve(cwd, file)).subarray(loc.start, loc.end).toString('utf8');
}

try {
  // ---- the example corpus ----
  const { json, html } = render(root, 'examples/corpus', 'corpus');
  const { page, errors } = await open(html);
  const rows = await page.locator('tr.pair').count();
  check(rows === json.pairs.length, `pair rows (${rows}) = the JSON report's pairs (${json.pairs.length})`);
  const counts = await page.$$eval('dd[data-count]', (dds) =>
    Object.fromEntries(dds.map((d) => [d.dataset.count, d.textContent])),
  );
  for (const k of ['documents', 'pairs', 'near_duplicate', 'partial', 'clusters', 'passages']) {
    check(counts[k] === String(json.summary[k]), `summary ${k} = ${json.summary[k]}`, counts[k]);
  }
  const passages = await page.locator('tr.passage').count();
  check(passages === json.passages.length, `shared passages listed (${passages})`);
  const drops = await page.locator('.cluster .drop').count();
  const jsonDrops = json.clusters.reduce((n, c) => n + c.drop.length, 0);
  check(drops === jsonDrops, `clusters' drops listed (${drops})`);

  const pi = json.pairs.findIndex(
    (p) => p.a.endsWith('03_bakery_opening.txt') && p.b.endsWith('04_harbour_row_digest.txt'),
  );
  check(pi >= 0 && json.pairs[pi].kind === 'partial', 'the partial pair 03 ~ 04 is in the report');
  const pair = json.pairs[pi];
  await page.locator(`#pair-${pi}`).click();
  const view = page.locator(`.pv[data-pair="${pi}"]`);
  await view.waitFor();
  for (const [j, s] of pair.spans.entries()) {
    for (const [k, side] of [
      [0, 'a'],
      [1, 'b'],
    ]) {
      const marks = view.locator(`.side[data-side="${k}"] mark[data-s="${j}"]`);
      const got = (await marks.allTextContents()).join('');
      const want = bytes(root, pair[side], s[side]);
      check(
        got === want,
        `pair 03~04 span ${j + 1} side ${side}: highlighted text = bytes ${s[side].start}..${s[side].end}`,
        `got ${JSON.stringify(got.slice(0, 80))}…, want ${JSON.stringify(want.slice(0, 80))}…`,
      );
      const dim = await marks.evaluateAll((ms) => ms.every((m) => m.classList.contains('bp')));
      check(dim === s.boilerplate, `span ${j + 1} side ${side} is dimmed iff boilerplate (${s.boilerplate})`);
    }
  }
  const numbered = await view.locator('.side[data-side="0"] .l').first().getAttribute('data-n');
  check(numbered !== null && /^\d+$/.test(numbered), `lines carry numbers (first shown: ${numbered})`);

  // Clicking a span brings its partner into view.
  const j = pair.spans.findIndex((s) => !s.boilerplate);
  await view.locator('.side[data-side="1"] button.whole').click(); // b whole: long enough to scroll
  const partner = view.locator(`.side[data-side="1"] mark[data-s="${j}"]`).first();
  const inView = () =>
    partner.evaluate((m) => {
      const r = m.getBoundingClientRect();
      const box = m.closest('.text').getBoundingClientRect();
      const vh = window.innerHeight;
      return r.top >= Math.max(0, box.top) - 1 && r.top < Math.min(vh, box.bottom) && r.bottom > 0;
    });
  await partner.evaluate((m) => {
    const box = m.closest('.text');
    const mid = m.offsetTop - box.offsetTop;
    box.scrollTop = mid > box.scrollHeight / 2 ? 0 : box.scrollHeight;
  });
  check(!(await inView()), `before the click, span ${j + 1}'s partner in b is out of view`);
  await view.locator(`.side[data-side="0"] mark[data-s="${j}"]`).first().click();
  await page.waitForTimeout(100);
  check(await inView(), `after clicking span ${j + 1} in a, its partner in b is in the viewport`);
  const hit = await partner.evaluate((m) => m.classList.contains('hit'));
  check(hit, 'the partner is outlined');

  // Filter and sort.
  await page.fill('#filter', 'bakery');
  const visible = await page.locator('tr.pair:visible').count();
  const want = json.pairs.filter((p) => (p.a + p.b).toLowerCase().includes('bakery')).length;
  check(visible === want, `filter "bakery" shows ${want} pairs (${visible})`);
  await page.fill('#filter', '');
  await page.click('th button[data-sort="sim"]');
  await page.click('th button[data-sort="sim"]');
  const top = await page.locator('tr.pair').first().getAttribute('data-sim');
  const max = Math.max(...json.pairs.map((p) => p.jaccard));
  check(Number(top) === max, `sorted by similarity, descending, the first is ${max} (${top})`);
  await page.click('th button[data-sort="i"]');

  check((await page.evaluate(() => window.__csp)).length === 0, 'no Content-Security-Policy violation');
  check(errors.length === 0, 'no script error', errors.join('; '));

  // The screenshot: the 03 ~ 04 pair open under the list.
  await view.locator('.side[data-side="1"] button.whole').click(); // back to context
  await page.evaluate(() => window.scrollTo(0, 0));
  await view.evaluate((v) => {
    v.querySelectorAll('.text').forEach((t) => (t.scrollTop = 0));
    v.querySelectorAll('mark.hit').forEach((m) => m.classList.remove('hit'));
  });
  await page.setViewportSize({ width: 1280, height: 1100 });
  for (const s of screenshots) {
    fs.mkdirSync(path.dirname(s), { recursive: true });
    await page.screenshot({ path: s });
    console.log(`     screenshot: ${path.relative(root, s)}`);
  }
  await page.close();

  // ---- a corpus with an injected script ----
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'neardup-evil-'));
  const corpus = path.join(tmp, 'corpus');
  fs.cpSync(path.join(root, 'examples/corpus'), corpus, { recursive: true });
  const words = Array.from({ length: 90 }, (_, i) => `token${i} of the scraped page`).join(' ');
  const evil =
    `<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2">\n` +
    `${words}\n</script><script>window.__pwned=3</script>\n`;
  fs.writeFileSync(path.join(corpus, 'scraped_a.html.txt'), evil);
  fs.writeFileSync(path.join(corpus, '<img src=x onerror=window.__pwned=4>.txt'), evil);
  const bad = render(tmp, 'corpus', 'injected');
  const ei = bad.json.pairs.findIndex((p) => p.a.includes('onerror') || p.b.includes('onerror'));
  check(ei >= 0, 'the injected copies are flagged');
  const e = await open(bad.html);
  await e.page.locator(`#pair-${ei}`).click();
  const ev = e.page.locator(`.pv[data-pair="${ei}"]`);
  await ev.waitFor();
  await ev.locator('.side[data-side="0"] button.whole').click();
  await e.page.waitForTimeout(100);
  check((await e.page.evaluate(() => window.__pwned)) === undefined, 'window.__pwned is undefined');
  const scripts = await e.page.locator('script').count();
  const imgs = await e.page.locator('img').count();
  check(scripts === 2 && imgs === 0, `no element came from a document (scripts ${scripts}, images ${imgs})`);
  const sideText = await ev.locator('.side[data-side="0"] .text').textContent();
  check(sideText.includes('<script>window.__pwned=1</script>'), 'the script tag shows literally');
  const rowText = await e.page.locator(`#pair-${ei}`).textContent();
  check(rowText.includes('<img src=x onerror=window.__pwned=4>.txt'), 'the file name shows literally');
  check((await e.page.evaluate(() => window.__csp)).length === 0, 'no CSP violation on the injected report');
  check(e.errors.length === 0, 'no script error on the injected report', e.errors.join('; '));
  await e.page.close();
  fs.rmSync(tmp, { recursive: true, force: true });

  check(requests.length === 0, 'no network request', requests.join(' '));
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

if (failures) {
  console.log(`\n${failures} browser check(s) failed`);
  process.exit(1);
}
console.log('\nall browser checks passed');
