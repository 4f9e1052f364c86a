// Shared by the browser tests: finding chromium and puppeteer-core (or
// skipping: exit 77, which ctest counts as skipped; with CI=true a missing
// browser fails instead), opening a page offline and collecting what went
// wrong on it, and the check/equal reporters.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export function parseArgs(names, usage) {
  const args = {};
  for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  for (const need of names) {
    if (!args[need]) {
      console.error(`usage: ${usage} (no --${need})`);
      process.exit(2);
    }
  }
  return args;
}

function skip(why) {
  if (process.env.CI === 'true') {
    console.error(`FAIL: ${why} (CI=true: the browser tests must run; scripts/install-deps.sh installs both)`);
    process.exit(1);
  }
  console.log(`SKIPPED: ${why}; install with scripts/install-deps.sh`);
  process.exit(77);
}

// Launches Debian's chromium with nothing reachable but files.
export async function launch(sourceDir) {
  const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  if (!chromiumPath) skip('no chromium (apt-get install chromium)');
  let puppeteer;
  try {
    puppeteer = createRequire(path.resolve(sourceDir, 'tests/harness/package.json'))('puppeteer-core');
  } catch (e) {
    skip('no puppeteer-core in tests/harness/node_modules');
  }
  return puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--proxy-server=127.0.0.1:9',
      '--proxy-bypass-list=<-loopback>', '--disable-background-networking', '--no-first-run'],
  });
}

// Opens `file` offline; `problems` collects console errors and warnings,
// page errors, dialogs, any request that is not file: (aborted), and CSP
// violations (window.__efstopViolations).
export async function openOffline(browser, file, problems) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.setOfflineMode(true);
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('dialog', async (d) => { problems.push('dialog: ' + d.message()); await d.dismiss(); });
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) {
      problems.push('request: ' + r.url().slice(0, 200));
      r.abort();
    } else {
      r.continue();
    }
  });
  await page.evaluateOnNewDocument(() => {
    window.__efstopViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__efstopViolations.push(e.violatedDirective + ' ' + e.blockedURI);
    });
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForSelector('#report[data-ready="true"]', { timeout: 20000 });
  return page;
}

export function reporter() {
  const r = { failures: 0 };
  r.check = (ok, what) => {
    if (!ok) {
      r.failures++;
      console.error('FAIL: ' + what);
    } else {
      console.log('ok: ' + what);
    }
  };
  r.equal = (actual, expected, what) => {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    r.check(a === e, a === e ? what : `${what}: got ${a.slice(0, 300)}, want ${e.slice(0, 300)}`);
  };
  r.finish = () => {
    if (r.failures) {
      console.error(`${r.failures} check(s) failed`);
      process.exit(1);
    }
    console.log('all checks passed');
  };
  return r;
}
