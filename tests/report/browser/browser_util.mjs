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

// The browsers the tests can drive, by --browser name: Debian's packages.
const BROWSERS = {
  chromium: { paths: ['/usr/bin/chromium', '/usr/bin/chromium-browser'], apt: 'chromium' },
  firefox: { paths: ['/usr/bin/firefox-esr', '/usr/bin/firefox'], apt: 'firefox-esr' },
};

// Launches `name` (chromium or firefox) headless with nothing reachable but
// files: chromium through a proxy that goes nowhere, firefox with its
// network offline and every non-file request aborted by openOffline.
export async function launch(sourceDir, name = 'chromium') {
  const browser = BROWSERS[name];
  if (!browser) {
    console.error(`unknown --browser ${name} (chromium or firefox)`);
    process.exit(2);
  }
  const executablePath = browser.paths.find((p) => fs.existsSync(p));
  if (!executablePath) skip(`no ${name} (apt-get install ${browser.apt})`);
  let puppeteer;
  try {
    puppeteer = createRequire(path.resolve(sourceDir, 'tests/harness/package.json'))('puppeteer-core');
  } catch (e) {
    skip('no puppeteer-core in tests/harness/node_modules');
  }
  if (name === 'firefox') {
    return puppeteer.launch({
      browser: 'firefox',
      executablePath,
      headless: true,
      extraPrefsFirefox: { 'network.proxy.type': 1, 'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': 9,
        'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': 9, 'browser.shell.checkDefaultBrowser': false },
    });
  }
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--proxy-server=127.0.0.1:9',
      '--proxy-bypass-list=<-loopback>', '--disable-background-networking', '--no-first-run'],
  });
}

// Opens `file` offline; `problems` collects console errors and warnings,
// page errors, dialogs, any request that is not file: or data: (aborted),
// and CSP violations (window.__efstopViolations). data: URLs never leave the
// machine (Firefox loads a built-in font as one); the page's own would be
// caught by its policy, which has no data: source.
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
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) {
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
