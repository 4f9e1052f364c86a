// The HTML report in a real browser (Debian's chromium or firefox-esr, driven
// by puppeteer-core from tests/harness/package.json): efstop writes the page
// and the JSON of the same run; the page is opened from file:// with the
// network off, and what it shows is compared with the JSON.
//
//   node report_browser_test.mjs --efstop BIN --source DIR --out DIR --case sample|hostile
//                                [--browser chromium|firefox]
//
// sample:  the sample data (sample/ with sample/inventory.json): no console
//          error or CSP violation, headline numbers and every table cell
//          equal the JSON (and the byte texts equal efstop's own table
//          TOTAL line), one bar per top client, one link per pair, sorting
//          and filtering, the print layout (controls hidden, nothing clipped,
//          a PDF made), a PNG screenshot in --out.
// hostile: the same flow logs with an inventory whose names are hostile
//          (markup, </script>, javascript: URLs, RTL overrides, 10 KB):
//          no injected script runs and every name shows literally.
//
// Exit 0 pass, 1 fail, 77 skipped (no such browser or puppeteer-core; ctest
// shows it as skipped). With CI=true a missing browser is a failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launch, openOffline, parseArgs, reporter } from './browser_util.mjs';

const args = parseArgs(['efstop', 'source', 'out', 'case'],
  'node report_browser_test.mjs --efstop BIN --source DIR --out DIR --case sample|hostile');
fs.mkdirSync(args.out, { recursive: true });
const { check, equal, finish } = reporter();

// The hostile names: each would run script (setting window.__efstopPwned)
// or mislead if the page treated it as markup or a URL.
const HOSTILE = [
  '<img src=x onerror="window.__efstopPwned=1">',
  '</script><script>window.__efstopPwned=2</script>',
  'javascript:window.__efstopPwned=3',
  '\u202Egpj.exe\u202C web',
  '"><svg onload="window.__efstopPwned=4">',
  '<!--<script>window.__efstopPwned=5</script>-->',
  'x'.repeat(10 * 1024),
];

function runEfstop(extra, inventory) {
  const base = ['--server-ips', path.join(args.source, 'sample/mount-targets.txt'),
    '--inventory', inventory, '--quiet'];
  const flowlogs = path.join(args.source, 'sample/flowlogs');
  return execFileSync(args.efstop, base.concat(extra, [flowlogs]), { maxBuffer: 256 << 20 }).toString('utf8');
}

let inventory = path.join(args.source, 'sample/inventory.json');
if (args.case === 'hostile') {
  const inv = JSON.parse(fs.readFileSync(inventory, 'utf8'));
  inv.instances.forEach((instance, i) => {
    instance.tags = Object.assign({}, instance.tags, { Name: HOSTILE[i % HOSTILE.length] });
  });
  inv.file_systems[0].name = HOSTILE[1];
  if (inv.file_systems[1]) inv.file_systems[1].name = HOSTILE[0];
  inventory = path.join(args.out, 'hostile-inventory.json');
  fs.writeFileSync(inventory, JSON.stringify(inv, null, 1));
}
const json = JSON.parse(runEfstop(['--output', 'json', '--top', '0'], inventory));
const htmlPath = path.join(args.out, `report-${args.case}.html`);
fs.writeFileSync(htmlPath, runEfstop(['--output', 'html'], inventory));
const tableText = runEfstop(['--output', 'table', '--top', '0'], inventory);
check(fs.statSync(htmlPath).size < 2 * 1024 * 1024, `page under 2 MB (${fs.statSync(htmlPath).size} bytes)`);

const browser = await launch(args.source, args.browser || 'chromium');
try {
  const problems = [];
  const page = await openOffline(browser, htmlPath, problems);

  const rows = json.rows;
  const dom = await page.evaluate(() => {
    const cards = {};
    for (const c of document.querySelectorAll('.card')) {
      cards[c.dataset.metric] = { value: Number(c.dataset.value), text: c.querySelector('.value').textContent };
    }
    const table = Array.from(document.querySelectorAll('#rows-table tbody tr')).map((tr) => {
      const cells = {};
      for (const td of tr.children) cells[td.classList[td.classList.length - 1]] = td.dataset.value !== undefined ? Number(td.dataset.value) : td.textContent;
      return cells;
    });
    const stats = {};
    for (const tr of document.querySelectorAll('#stats tr')) stats[tr.dataset.stat] = Number(tr.dataset.value);
    return {
      cards, table, stats,
      bars: document.querySelectorAll('#top-clients-chart g.bar').length,
      barBytes: Array.from(document.querySelectorAll('#top-clients-chart g.bar')).map((g) => Number(g.dataset.read) + Number(g.dataset.written)),
      links: Array.from(document.querySelectorAll('#flow-chart path.link')).map((p) => Number(p.dataset.bytes)),
      version: document.getElementById('efstop-version').textContent,
      command: document.getElementById('command').textContent,
      violations: window.__efstopViolations,
      pwned: window.__efstopPwned,
      scripts: document.scripts.length,
      imgs: document.querySelectorAll('img, iframe, object, embed').length,
    };
  });

  // Independent sums from the JSON.
  const sum = (f) => rows.reduce((s, r) => s + f(r), 0);
  const endKey = (e) => JSON.stringify(e);
  const fsKey = (e) => e.kind === 'efs-mount-target' && e.id ? e.id : JSON.stringify(e);
  const clientKeys = new Set(rows.map((r) => endKey(r.client)));
  const fsKeys = new Set(rows.map((r) => fsKey(r.server)));
  const pairs = new Set(rows.map((r) => endKey(r.client) + '|' + fsKey(r.server)));
  equal(dom.cards.bytes_read.value, sum((r) => r.bytes_read), 'headline bytes read = JSON');
  equal(dom.cards.bytes_written.value, sum((r) => r.bytes_written), 'headline bytes written = JSON');
  equal(dom.cards.bytes_total.value, sum((r) => r.bytes_total), 'headline bytes total = JSON');
  equal(dom.cards.clients.value, clientKeys.size, 'headline clients = distinct clients in JSON');
  equal(dom.cards.file_systems.value, fsKeys.size, 'headline file systems = distinct file systems in JSON');
  equal(dom.cards.cross_az_bytes.value, sum((r) => r.cross_az_bytes || 0), 'headline cross-AZ bytes = JSON');
  check(Math.abs(dom.cards.cross_az_cost_usd.value - sum((r) => r.cross_az_cost_usd || 0)) < 1e-9,
    'headline cross-AZ cost = JSON');
  // The page's byte texts are efstop's table's (C++ formats them independently).
  const total = tableText.split('\n').find((l) => l.startsWith('TOTAL'));
  const units = total.match(/\d+(?:\.\d)? (?:B|KiB|MiB|GiB|TiB|PiB)/g);
  equal([dom.cards.bytes_read.text, dom.cards.bytes_written.text, dom.cards.bytes_total.text], units.slice(0, 3),
    'headline byte texts = the TOTAL line of efstop --output table');
  // The TOTAL line ends with the cross-AZ cost when some bytes crossed.
  if (dom.cards.cross_az_bytes.value > 0) {
    equal(dom.cards.cross_az_cost_usd.text, total.trim().split(/\s+/).pop(),
      'headline cross-AZ cost text = the TOTAL line of efstop --output table');
  }
  const sorted = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'names').sort());
  equal(sorted(dom.stats), sorted(json.stats), 'stats table = JSON stats');
  equal(dom.version, json.efstop.version, 'version = JSON');
  check(dom.command.startsWith('efstop ') && dom.command.includes('--inventory'), 'command shown');
  equal(dom.table.length, rows.length, 'one table row per JSON row');
  const numbers = ['bytes_read', 'bytes_written', 'bytes_total', 'packets', 'flows', 'rejected', 'cross_az_bytes'];
  equal(dom.table.map((t) => numbers.map((k) => (t[k] === '' ? null : t[k]))),
    rows.map((r) => numbers.map((k) => (r[k] === undefined ? null : r[k]))),
    'every row\'s numbers = JSON, in report order');
  equal(dom.table.map((t) => t.client_ips), rows.map((r) => r.client.ip || r.client.ips.join(',')), 'client addresses = JSON');
  equal(dom.bars, Math.min(15, clientKeys.size), 'one bar per top client');
  const perClient = new Map();
  for (const r of rows) perClient.set(endKey(r.client), (perClient.get(endKey(r.client)) || 0) + r.bytes_total);
  equal(dom.barBytes, Array.from(perClient.values()).sort((a, b) => b - a).slice(0, 15), 'bar sizes = bytes per client');
  equal(dom.links.length, pairs.size, 'one flow link per client/file-system pair');
  equal(dom.links.reduce((s, v) => s + v, 0), sum((r) => r.bytes_total), 'flow links carry every byte');
  check(dom.scripts === 2, 'the page has exactly its two script elements');
  check(dom.imgs === 0, 'no img/iframe/object/embed element');
  equal(dom.pwned, undefined, 'no injected script ran (window.__efstopPwned unset)');
  equal(dom.violations, [], 'no Content-Security-Policy violation');

  // Sorting: by total, descending then ascending; by client name.
  const col = async (id) => page.evaluate((c) => Array.from(document.querySelectorAll('#rows-table tbody tr'))
    .filter((tr) => !tr.hidden).map((tr) => { const td = tr.querySelector('td.' + c); return td.dataset.value !== undefined ? Number(td.dataset.value) : td.textContent; }), id);
  await page.click('th button[data-col="packets"]');
  equal(await col('packets'), rows.map((r) => r.packets).sort((a, b) => b - a), 'sort by packets, descending');
  await page.click('th button[data-col="packets"]');
  equal(await col('packets'), rows.map((r) => r.packets).sort((a, b) => a - b), 'sort by packets again, ascending');
  await page.click('th button[data-col="client_ips"]');
  const ips = await col('client_ips');
  equal(ips, ips.slice().sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)), 'sort by client address');

  // Filtering: an address that is in some rows only.
  const needle = rows[rows.length - 1].client.ip;
  await page.type('#row-filter', needle);
  const shown = await col('client_ips');
  const want = rows.filter((r) => JSON.stringify([r.client, r.server]).toLowerCase().includes(needle.toLowerCase())).length;
  equal(shown.length, want, `filter "${needle}" shows the rows that hold it`);
  check(await page.evaluate((n) => Array.from(document.querySelectorAll('#rows-table tbody tr'))
    .filter((tr) => !tr.hidden).every((tr) => tr.textContent.includes(n)), needle), 'every row shown holds the filter text');
  equal(await page.$eval('#rows-count', (e) => e.textContent), `${want} of ${rows.length} rows`, 'row count text');
  await page.$eval('#row-filter', (e) => { e.value = ''; e.dispatchEvent(new Event('input')); });
  equal((await col('client_ips')).length, rows.length, 'clearing the filter shows every row again');

  if (args.case === 'hostile') {
    // Every hostile name shows literally somewhere on the page, as text.
    const texts = await page.evaluate(() => Array.from(document.querySelectorAll('#rows-table td')).map((td) => td.textContent));
    const shownNames = new Set(texts);
    for (const name of HOSTILE) {
      const used = rows.some((r) => r.client.name === name || r.server.name === name);
      if (used) check(shownNames.has(name), `hostile name shows literally in the table: ${JSON.stringify(name.slice(0, 60))}`);
    }
    check(rows.some((r) => r.client.name === HOSTILE[0]), 'the fixture really carries the hostile names');
  }
  check(problems.length === 0, 'no console error, page error, dialog or network request' + (problems.length ? ': ' + problems.join('; ') : ''));
  // Printing: the controls go, every table row is laid out in full (no
  // scrolling box clips it), and the browser makes a PDF of it. Firefox
  // over WebDriver BiDi cannot emulate print media (puppeteer needs CDP for
  // it): there the layout is Chromium's check and the PDF is Firefox's own.
  const canEmulatePrint = (args.browser || 'chromium') === 'chromium';
  if (canEmulatePrint) {
    await page.emulateMediaType('print');
    const printed = await page.evaluate(() => {
      const controls = Array.from(document.querySelectorAll('.controls'));
      const scrolls = Array.from(document.querySelectorAll('.scroll'));
      return {
        controls: controls.length,
        controlsShown: controls.filter((e) => getComputedStyle(e).display !== 'none').length,
        clipped: scrolls.filter((e) => e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible').length,
      };
    });
    check(printed.controls > 0 && printed.controlsShown === 0, `print: the ${printed.controls} control bar(s) are hidden`);
    equal(printed.clipped, 0, 'print: no scrolling box clips its content');
  }
  const pdf = await page.pdf({ format: 'A4', printBackground: false });
  const pdfFile = path.join(args.out, `report-${args.case}.pdf`);
  fs.writeFileSync(pdfFile, pdf);
  check(pdf.length > 10000 && Buffer.from(pdf.subarray(0, 5)).toString() === '%PDF-', `print: a PDF is made (${pdf.length} bytes, ${pdfFile})`);
  if (canEmulatePrint) await page.emulateMediaType('screen');

  const shot = path.join(args.out, `report-${args.case}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  check(fs.statSync(shot).size > 10000, `screenshot written: ${shot}`);
} finally {
  await browser.close();
}
finish();
