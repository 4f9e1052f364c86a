// The time charts of the HTML report, from a hand-made JSON: efstop's page
// for the sample data with its data block replaced by the sample's JSON plus
// "series" per row and "file_systems" with metrics (the members issue 14
// adds; docs/report-html.md). Checks the lines of the top clients, the
// throughput-limit and PercentIOLimit overlays, and that the hour-of-day
// heatmap appears for a window of days (its cells holding the bytes of their
// hour, summed here independently) and not for a window of hours; with
// --sample, gaps (not zeros) where buckets are null, and '~' on estimates.
//
//   node series_test.mjs --efstop BIN --source DIR --out DIR [--browser chromium|firefox]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launch, openOffline, parseArgs, reporter } from './browser_util.mjs';

const args = parseArgs(['efstop', 'source', 'out'], 'node series_test.mjs --efstop BIN --source DIR --out DIR');
fs.mkdirSync(args.out, { recursive: true });
const { check, equal, finish } = reporter();

function efstop(format) {
  return execFileSync(args.efstop, ['--server-ips', path.join(args.source, 'sample/mount-targets.txt'),
    '--inventory', path.join(args.source, 'sample/inventory.json'), '--quiet', '--output', format,
    path.join(args.source, 'sample/flowlogs')], { maxBuffer: 256 << 20 }).toString('utf8');
}
const page0 = efstop('html');
const base = JSON.parse(efstop('json'));

// A deterministic series per row: `buckets` buckets of `bucketS` seconds.
function withSeries(buckets, bucketS) {
  const doc = JSON.parse(JSON.stringify(base));
  const start = '2026-11-24T00:00:00Z';
  doc.rows.forEach((row, r) => {
    const read = [];
    const written = [];
    for (let i = 0; i < buckets; i++) {
      read.push(((r + 1) * 7919 * (i + 3)) % 1000003);
      written.push(((r + 5) * 104729 * (i + 1)) % 999983);
    }
    row.series = { bucket_s: bucketS, start: start, read: read, written: written };
  });
  const fsIds = Array.from(new Set(doc.rows.map((r) => r.server.id)));
  doc.file_systems = fsIds.map((id, k) => ({
    id: id, name: 'fs ' + k,
    metrics: { bucket_s: bucketS, start: start,
      throughput_limit_bytes_per_s: Array.from({ length: buckets }, () => 2000 + 500 * k),
      percent_io_limit: Array.from({ length: buckets }, (_, i) => (i * 3 + k) % 100) },
  }));
  return doc;
}
function pageWith(doc, name) {
  const safe = JSON.stringify(doc).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  const open = '<script type="application/json" id="efstop-data">';
  const from = page0.indexOf(open) + open.length;
  const to = page0.indexOf('</script>', from);
  const file = path.join(args.out, name);
  fs.writeFileSync(file, page0.slice(0, from) + safe + page0.slice(to));
  return file;
}

const browser = await launch(args.source, args.browser || 'chromium');
try {
  // Two days of hourly buckets: lines, overlays and a heatmap.
  const days = withSeries(48, 3600);
  const problems = [];
  const page = await openOffline(browser, pageWith(days, 'series-days.html'), problems);
  const dom = await page.evaluate(() => ({
    series: document.querySelectorAll('#series-chart path.series').length,
    limits: document.querySelectorAll('#series-chart path.limit').length,
    percent: document.querySelectorAll('#series-chart path.percent').length,
    cells: Array.from(document.querySelectorAll('#heatmap rect.cell')).map((c) => Number(c.dataset.bytes)),
  }));
  const clients = new Set(days.rows.map((r) => JSON.stringify(r.client)));
  equal(dom.series, Math.min(8, clients.size), 'one line per top client (at most 8)');
  equal(dom.limits, days.file_systems.length, 'one throughput-limit line per file system');
  equal(dom.percent, days.file_systems.length, 'one PercentIOLimit line per file system');
  // Independent sums: bucket i starts at 2026-11-24T00:00Z + i hours, so
  // day d, hour h is bucket 24 d + h.
  const want = [];
  for (let i = 0; i < 48; i++) want.push(days.rows.reduce((s, r) => s + r.series.read[i] + r.series.written[i], 0));
  equal(dom.cells, want, 'heatmap: 2 days x 24 hours, each cell the bytes of its hour');
  check(problems.length === 0, 'no console error or request' + (problems.length ? ': ' + problems.join('; ') : ''));
  await page.screenshot({ path: path.join(args.out, 'series-days.png'), fullPage: true });

  // Six hours of 5-minute buckets: lines, no heatmap.
  const hours = withSeries(72, 300);
  const problems2 = [];
  const page2 = await openOffline(browser, pageWith(hours, 'series-hours.html'), problems2);
  equal(await page2.evaluate(() => [document.querySelectorAll('#series-chart path.series').length,
    document.querySelectorAll('#heatmap').length]), [Math.min(8, clients.size), 0],
  'six hours: lines, no heatmap');
  check(problems2.length === 0, 'no console error or request' + (problems2.length ? ': ' + problems2.join('; ') : ''));

  // --sample 15m/1h over six hours of 5-minute buckets: the buckets no
  // slice overlaps are null (docs/json.md); each client's line breaks
  // there (one stroke per hour, three vertices each), none is drawn at 0,
  // and the rows' bytes (estimates) show with '~' as in the table.
  const sampled = withSeries(72, 300);
  sampled.estimated = true;
  sampled.sample = { span_s: 900, period_s: 3600, slices: 6, factor: 4.0 };
  for (const row of sampled.rows) {
    for (let i = 0; i < 72; i++) {
      if (i % 12 >= 3) { row.series.read[i] = null; row.series.written[i] = null; }
    }
  }
  const problems4 = [];
  const page4 = await openOffline(browser, pageWith(sampled, 'series-sampled.html'), problems4);
  const got = await page4.evaluate(() => ({
    strokes: Array.from(document.querySelectorAll('#series-chart path.series'))
      .map((p) => [(p.getAttribute('d').match(/M/g) || []).length, (p.getAttribute('d').match(/[ML]/g) || []).length]),
    cards: Array.from(document.querySelectorAll('#headline .card'))
      .filter((c) => c.dataset.metric.startsWith('bytes_')).map((c) => c.querySelector('.value').textContent),
    cells: Array.from(document.querySelectorAll('#rows-table td.bytes_total')).map((td) => td.textContent),
  }));
  equal(got.strokes, Array.from({ length: Math.min(8, clients.size) }, () => [6, 18]),
    'sampled: each line is 6 strokes of 3 points (the slices), gaps between them');
  check(got.cards.length === 3 && got.cards.every((t) => t.startsWith('~')),
    'sampled: the headline bytes are shown as estimates (~): ' + got.cards.join(', '));
  check(got.cells.length === sampled.rows.length && got.cells.every((t) => t.startsWith('~')),
    'sampled: every row total in the table starts with ~');
  check(problems4.length === 0, 'no console error or request' + (problems4.length ? ': ' + problems4.join('; ') : ''));
  // Not sampled: no '~'.
  equal(await page2.evaluate(() => document.querySelector('#headline .card .value').textContent.startsWith('~')),
    false, 'not sampled: no ~');

  // Without series (today's JSON): no time section at all.
  const problems3 = [];
  const page3 = await openOffline(browser, pageWith(base, 'series-none.html'), problems3);
  equal(await page3.evaluate(() => document.querySelectorAll('#time').length), 0, 'no series: no time section');
} finally {
  await browser.close();
}
finish();
