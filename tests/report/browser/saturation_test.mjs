// The metric overlay of the HTML report from a real run: efstop reads flow
// logs and GetMetricData from the test endpoint (tests/endpoint/server.py,
// every request botocore-checked) in the saturation scenario of
// tests/cloud/metrics_cli_test.cc ("web" bursts in minutes 10..19 while
// PercentIOLimit is 95), writing its JSON to stdout and the HTML page of the
// same run with --html. In the browser, each file system's throughput-limit
// and PercentIOLimit lines must carry the JSON's series bucket by bucket
// (data-values), with one vertex per bucket that has a data point, placed on
// the bucket's time (x affine in the bucket's index) and the value (y affine
// in the value, falling as it grows); a bucket without a data point (null in
// the JSON: the scenario leaves out minute 25 of PercentIOLimit) breaks the
// line instead of drawing 0.
//
//   node saturation_test.mjs --efstop BIN --source DIR --out DIR [--browser chromium|firefox]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, openOffline, parseArgs, reporter } from './browser_util.mjs';

const args = parseArgs(['efstop', 'source', 'out'],
  'node saturation_test.mjs --efstop BIN --source DIR --out DIR');
fs.mkdirSync(args.out, { recursive: true });
const { check, equal, finish } = reporter();

// Facts of tests/endpoint/scenarios/default.json (as harness/test_endpoint.h names them).
const ACCESS_KEY = 'AKIAEFSTOPTEST000001';
const SECRET_KEY = 'efstopTestSecretKey/0000000000000000000001';
const REGION = 'eu-west-1';
const FS_ID = 'fs-0a000000000000001';
const MT_A = 'eni-0e000000000000005';  // 10.20.1.100, eu-west-1a
const MT_C = 'eni-0e000000000000007';  // 10.20.3.100, eu-west-1c

// The scenario: 30 minutes from t0, relative to now so one-minute metrics are kept.
const MINUTES = 30;
const GAP = 25;  // the minute PercentIOLimit has no data point
const t0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 7200;
const burst = (m) => m >= 10 && m < 20;
const webRead = (m) => (burst(m) ? 60000000 : 1000000);
const webWritten = (m) => (burst(m) ? 6000000 : 100000);
const streams = {};
const record = (eni, src, dst, sport, dport, bytes, m) => {
  const start = t0 + 60 * m;
  const line = `2 111122223333 ${eni} ${src} ${dst} ${sport} ${dport} 6 100 ${bytes} ${start} ${start + 50} ACCEPT OK`;
  (streams[eni + '-all'] = streams[eni + '-all'] || []).push([start * 1000, line, (start + 300) * 1000]);
};
const metrics = {};
const point = (name, m, v) => (metrics[name] = metrics[name] || []).push([t0 + 60 * m, v]);
for (let m = 0; m < MINUTES; m++) {
  record(MT_A, '10.20.1.11', '10.20.1.100', 50000, 2049, webWritten(m), m);
  record(MT_A, '10.20.1.100', '10.20.1.11', 2049, 50000, webRead(m), m);
  record(MT_C, '10.20.3.13', '10.20.3.100', 50001, 2049, 300000, m);
  record(MT_C, '10.20.3.100', '10.20.3.13', 2049, 50001, 3000000, m);
  const read = 0.9 * (webRead(m) + 3000000);
  const written = 0.9 * (webWritten(m) + 300000);
  point('DataReadIOBytes', m, read);
  point('DataWriteIOBytes', m, written);
  point('MeteredIOBytes', m, read / 3 + written);
  point('TotalIOBytes', m, read + written);
  // The limit drops during the burst, so the line is not flat.
  point('PermittedThroughput', m, burst(m) ? 5e8 : 1e9);
  if (m !== GAP) point('PercentIOLimit', m, burst(m) ? 95 : 30 + m);
}

// The endpoint, on a free port, stopped when this process ends (--parent-pid).
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'efstop-saturation-'));
const portFile = path.join(home, 'port');
const endpointLog = path.join(home, 'endpoint.log');
const logFd = fs.openSync(endpointLog, 'w');
const endpoint = spawn('/usr/bin/python3', [path.join(args.source, 'tests/endpoint/server.py'),
  '--scenario', path.join(args.source, 'tests/endpoint/scenarios/default.json'),
  '--port-file', portFile, '--parent-pid', String(process.pid)],
{ stdio: ['ignore', logFd, logFd], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
const stopEndpoint = () => {
  try {
    endpoint.kill();
  } catch (e) { /* already gone */ }
};
process.on('exit', stopEndpoint);

async function endpointUrl() {
  for (let i = 0; i < 300; i++) {
    if (endpoint.exitCode !== null) break;
    const text = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
    if (text) {
      const url = 'http://127.0.0.1:' + text;
      try {
        if ((await fetch(url + '/__efstop/counts')).ok) return url;
      } catch (e) { /* not listening yet */ }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error('FAIL: the test endpoint did not start; its log:\n' + fs.readFileSync(endpointLog, 'utf8'));
  process.exit(1);
}
async function patch(url, body) {
  const reply = await fetch(url + '/__efstop/scenario?mode=patch', { method: 'POST', body: JSON.stringify(body) });
  if (!reply.ok) {
    console.error(`FAIL: scenario patch: HTTP ${reply.status} ${await reply.text()}`);
    process.exit(1);
  }
}

const url = await endpointUrl();
await patch(url, { log_groups: { '/efstop/vpc-flow-logs': { streams: null } } });
await patch(url, { log_groups: { '/efstop/vpc-flow-logs': { streams: streams } },
  metrics: { 'AWS/EFS': { [FS_ID]: metrics } } });

const htmlFile = path.join(args.out, 'saturation.html');
let json;
try {
  json = JSON.parse(execFileSync(args.efstop, ['--region', REGION, '--endpoint-url', url, '--method', 'raw',
    '--start', String(t0), '--end', String(t0 + 60 * MINUTES), '--bucket', '1m', '--output', 'json',
    '--html', htmlFile], {
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: home, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      ...(process.env.EFSTOP_TEST_ARGV_LOG ? { EFSTOP_TEST_ARGV_LOG: process.env.EFSTOP_TEST_ARGV_LOG } : {}) },
  }).toString('utf8'));
} catch (e) {
  console.error('FAIL: efstop: ' + (e.stderr ? e.stderr.toString() : e.message));
  console.error('endpoint log:\n' + fs.readFileSync(endpointLog, 'utf8'));
  process.exit(1);
}
fs.writeFileSync(path.join(args.out, 'saturation.json'), JSON.stringify(json, null, 2));

// The JSON first: the series efstop fetched, bucket by bucket, as the scenario set them.
const fsJson = (json.file_systems || []).find((f) => f.id === FS_ID);
check(fsJson !== undefined, `file_systems holds ${FS_ID}`);
const m = fsJson.metrics;
equal([m.bucket_s, Date.parse(m.start) / 1000], [60, t0], 'metrics: one-minute buckets from the window start');
const minutes = Array.from({ length: MINUTES }, (_, i) => i);
equal(m.throughput_limit_bytes_per_s, minutes.map((i) => (burst(i) ? 5e8 : 1e9)),
  'throughput_limit_bytes_per_s: PermittedThroughput per minute');
equal(m.percent_io_limit, minutes.map((i) => (i === GAP ? null : burst(i) ? 95 : 30 + i)),
  'percent_io_limit: PercentIOLimit per minute, null where no data point');
equal(m.burst_credit_balance, minutes.map(() => null), 'burst_credit_balance: no data point, all null (not 0)');
check(fsJson.saturation.intervals.length === 1 &&
  Date.parse(fsJson.saturation.intervals[0].start) / 1000 === t0 + 600, 'saturated from minute 10');

// Then the page of the same run.
const browser = await launch(args.source, args.browser || 'chromium');
try {
  const problems = [];
  const page = await openOffline(browser, htmlFile, problems);
  const dom = await page.evaluate(() => Array.from(document.querySelectorAll('#series-chart path.limit, #series-chart path.percent'))
    .map((p) => ({ cls: p.getAttribute('class'), fs: p.dataset.fs, start: p.dataset.start,
      bucket: Number(p.dataset.bucketS), values: p.dataset.values, d: p.getAttribute('d') })));
  for (const [cls, member] of [['limit', 'throughput_limit_bytes_per_s'], ['percent', 'percent_io_limit']]) {
    const lines = dom.filter((l) => l.cls === cls);
    equal(lines.map((l) => l.fs), [FS_ID], `one ${cls} line, for ${FS_ID}`);
    if (lines.length !== 1) continue;
    const line = lines[0];
    const want = m[member];
    equal([line.start, line.bucket], [m.start, m.bucket_s], `${cls}: the JSON's start and bucket`);
    equal(line.values.split(',').map((v) => (v === '' ? null : Number(v))), want,
      `${cls}: the values drawn are the JSON's ${member}`);
    // The path: "M x,y L x,y ..."; a new M after a null.
    const vertices = line.d.trim().split(/\s+/).map((s) => ({ pen: s[0], x: Number(s.slice(1).split(',')[0]),
      y: Number(s.split(',')[1]) }));
    const present = want.map((v, j) => [v, j]).filter(([v]) => v !== null);
    equal(vertices.length, present.length, `${cls}: one vertex per bucket with a data point`);
    equal(vertices.map((v) => v.pen).join(''),
      present.map(([, j], k) => (k === 0 || want[j - 1] === null ? 'M' : 'L')).join(''),
      `${cls}: the line breaks at a bucket without a data point`);
    if (vertices.length !== present.length || present.length < 2) continue;
    // x affine in the bucket index, y affine in the value (0.1 px: the page rounds to 0.1).
    const [a, b] = [0, present.length - 1];
    const dx = (vertices[b].x - vertices[a].x) / (present[b][1] - present[a][1]);
    check(dx > 0, `${cls}: time runs left to right`);
    const lo = present.reduce((k, p, i) => (p[0] < present[k][0] ? i : k), 0);
    const hi = present.reduce((k, p, i) => (p[0] > present[k][0] ? i : k), 0);
    const dy = (vertices[hi].y - vertices[lo].y) / (present[hi][0] - present[lo][0]);
    check(dy < 0, `${cls}: a higher value is drawn higher`);
    const off = present.map(([v, j], i) => Math.max(Math.abs(vertices[i].x - (vertices[a].x + dx * (j - present[a][1]))),
      Math.abs(vertices[i].y - (vertices[lo].y + dy * (v - present[lo][0])))));
    check(Math.max(...off) <= 0.15, `${cls}: every vertex at its bucket and value (max error ${Math.max(...off).toFixed(3)} px)`);
  }
  check(problems.length === 0, 'no console error or request' + (problems.length ? ': ' + problems.join('; ') : ''));
  await page.screenshot({ path: path.join(args.out, 'saturation.png'), fullPage: true });
} finally {
  await browser.close();
  stopEndpoint();
}
finish();
