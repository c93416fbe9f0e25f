// End-to-end: analytics.js 2.0 in headless Chromium, pointed at `ampline serve` with only `cdnURL`, keeps an
// Amplitude session through ampline's session plugin, and the mock Amplitude receives it. Four tests: the CDN
// endpoints' answers; a session across a reload and a new one after 30 minutes of page clock (npm/UMD way);
// the classic analytics.min.js way; the plugin's session_started/session_ended events with a custom mapping.
//
//   node --test browser/e2e/session.e2e.mjs
//
// Needs Debian's chromium (scripts/setup-browser installs it), `npm ci` in browser/, and an ampline binary:
// $AMPLINE_BIN, else $CARGO_TARGET_DIR/release/ampline, else target/release/ampline (the binary embeds
// browser/amplitude-plugins.js, so build it after changing the plugin). $CHROMIUM_PATH overrides the browser.
// Everything runs on 127.0.0.1; any request the page makes elsewhere is refused and fails the test.
// The page's screenshot is saved to browser/e2e/artifacts/session.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BROWSER_DIR = path.resolve(HERE, '..');
const REPO = path.resolve(BROWSER_DIR, '..');
const PLUGIN_FILE = path.join(BROWSER_DIR, 'amplitude-plugins.js');
const UMD_DIR = path.join(BROWSER_DIR, 'node_modules', '@segment', 'analytics-next', 'dist', 'umd');
const ARTIFACTS = path.join(HERE, 'artifacts');

const WRITE_KEY = 'e2e-browser-write-key';
const AMPLITUDE_KEY = 'e2e-amplitude-key';
const USER_ID = 'e2e-user-0001';
const SESSION_LENGTH = 30 * 60 * 1000;
const START = Date.UTC(2025, 0, 15, 9, 0, 0); // the page's clock starts here
const WAIT_MS = 60_000; // upper bound for anything to show up (a deadline, not an assertion)

function findAmpline() {
  const candidates = [
    process.env.AMPLINE_BIN,
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, 'release', 'ampline'),
    path.join(REPO, 'target', 'release', 'ampline'),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no ampline binary (tried ${candidates.join(', ')}); build it or set AMPLINE_BIN`);
  return found;
}

function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no chromium (tried ${candidates.join(', ')}); run scripts/setup-browser`);
  return found;
}

/** Starts a child process and resolves with it and the first line it prints on stdout. */
function startProcess(bin, args, label) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const lines = readline.createInterface({ input: child.stdout });
  const firstLine = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: no output within ${WAIT_MS} ms\n${stderr}`)), WAIT_MS);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code} before starting\n${stderr}`));
    });
  });
  lines.on('line', () => {}); // keep draining stdout
  return firstLine.then((line) => ({ child, line, stderr: () => stderr }));
}

function stopProcess(proc) {
  if (!proc || proc.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.child.once('exit', resolve);
    proc.child.kill('SIGTERM');
    setTimeout(() => proc.child.exitCode === null && proc.child.kill('SIGKILL'), 15_000).unref();
  });
}

async function getJson(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  return res.json();
}

/** Polls `probe` until it returns a truthy value, up to WAIT_MS. */
async function eventually(what, probe) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the mock Amplitude holds at least `count` records of `kind` matching `filter`; resolves to the items. */
function mockItems(kind, count, filter = {}) {
  const query = new URLSearchParams(filter);
  return eventually(`${count} ${kind} (${query}) at the mock Amplitude`, async () => {
    const got = await getJson(`${mockUrl}/_mock/${kind}?${query}`);
    return got.count >= count ? got.items.map((i) => i.item) : null;
  });
}

/** The session id ampline's plugin put on an event analytics.js sent. */
const sessionIdOf = (e) => e.integrations?.['Actions Amplitude']?.session_id;

// The test page. mode "umd": the UMD bundle and AnalyticsBrowser.load({writeKey, cdnURL}), as a site using the
// npm package does. mode "snippet": the classic way, a global `analytics` buffer with _writeKey and _cdn set
// before the standalone bundle (analytics.min.js) loads. Both send page, track and identify on sendRound().
function pageHtml(mode) {
  const loader =
    mode === 'snippet'
      ? `<script>
  // A minimal stand-in for the snippet: the buffer analytics.min.js picks up, with its write key and CDN.
  window.analytics = [];
  window.analytics._writeKey = params.get('wk');
  window.analytics._cdn = params.get('cdn');
  window.analytics._loadOptions = {};
</script>
<script src="/analytics-next/standalone.js"></script>
<script>
  var api = null;
  window.ready = new Promise(function (resolve, reject) {
    var tries = 0;
    (function poll() {
      if (window.analytics && !Array.isArray(window.analytics) && window.analytics.initialized) {
        api = window.analytics;
        resolve(true);
      } else if (++tries > 600) {
        reject(new Error('analytics.min.js did not initialize'));
      } else {
        setTimeout(poll, 50);
      }
    })();
  });
</script>`
      : `<script src="/analytics-next/index.js"></script>
<script>
  var api = AnalyticsNext.AnalyticsBrowser.load({ writeKey: params.get('wk'), cdnURL: params.get('cdn') });
  window.ready = api.then(function () { return true; });
</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ampline: analytics.js 2.0 session test</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d2430; max-width: 60rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
  .sub { color: #5a6472; margin: 0 0 1.2rem; }
  dl { display: grid; grid-template-columns: max-content auto; gap: .25rem 1rem; margin: 0 0 1rem; }
  dt { color: #5a6472; } dd { margin: 0; font-family: ui-monospace, monospace; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #dde2ea; font-family: ui-monospace, monospace; font-size: 13px; }
  th { font-family: system-ui, sans-serif; color: #5a6472; font-weight: 600; }
  .s0 { background: #eef6ff; } .s1 { background: #fff4e5; }
  #status.error { color: #b00020; }
</style>
<script>var params = new URLSearchParams(location.search);</script>
</head>
<body>
<h1>analytics.js 2.0 → ampline → Amplitude</h1>
<p class="sub">analytics.js is loaded from a local file (${mode === 'snippet' ? 'analytics.min.js with <code>analytics._cdn</code>' : 'UMD bundle with <code>cdnURL</code>'})
pointed at ampline; ampline's session plugin adds <code>integrations["Actions Amplitude"].session_id</code> to each event.</p>
<dl>
  <dt>status</dt><dd id="status">loading</dd>
  <dt>ampline (cdnURL)</dt><dd id="cdn"></dd>
  <dt>page clock</dt><dd id="clock"></dd>
  <dt>analytics_session_id</dt><dd id="sid"></dd>
  <dt>…last_access</dt><dd id="last"></dd>
</dl>
<table><thead><tr><th>round</th><th>type</th><th>sent at (page clock)</th><th>session_id</th></tr></thead>
<tbody id="sent"></tbody></table>
${loader}
<script>
  document.getElementById('cdn').textContent = params.get('cdn');
  var sessions = [];
  function fmt(ms) { return ms ? new Date(Number(ms)).toISOString() + ' (' + ms + ')' : '—'; }
  function show() {
    document.getElementById('clock').textContent = fmt(Date.now());
    document.getElementById('sid').textContent = fmt(localStorage.getItem('analytics_session_id'));
    document.getElementById('last').textContent = fmt(localStorage.getItem('analytics_session_id.last_access'));
    var rows = JSON.parse(sessionStorage.getItem('sent') || '[]');
    document.getElementById('sent').innerHTML = rows.map(function (r) {
      if (sessions.indexOf(r.session_id) < 0) sessions.push(r.session_id);
      return '<tr class="s' + (sessions.indexOf(r.session_id) % 2) + '"><td>' + r.round + '</td><td>' + r.type +
        '</td><td>' + new Date(r.at).toISOString() + '</td><td>' + r.session_id + '</td></tr>';
    }).join('');
  }
  window.ready.then(function () {
    document.getElementById('status').textContent = 'loaded';
    show();
  }, function (err) {
    var s = document.getElementById('status');
    s.textContent = 'failed: ' + err;
    s.className = 'error';
  });
  function record(round, ctx) {
    var e = ctx.event;
    var entry = e.integrations && e.integrations['Actions Amplitude'];
    var rows = JSON.parse(sessionStorage.getItem('sent') || '[]');
    rows.push({ round: round, type: e.type, at: Date.now(), session_id: entry ? entry.session_id : null });
    sessionStorage.setItem('sent', JSON.stringify(rows));
  }
  // Sends page, track and identify, one after the other, each once delivered to ampline.
  window.sendRound = async function (round) {
    await window.ready;
    record(round, await api.page('E2E', 'Round ' + round, { round: round }));
    record(round, await api.track('E2E Clicked', { round: round }));
    record(round, await api.identify(${JSON.stringify(USER_ID)}, { round: round }));
    show();
  };
  window.sendTrack = async function (round) {
    await window.ready;
    record(round, await api.track('E2E Clicked', { round: round }));
    show();
  };
</script>
</body>
</html>
`;
}

/** The web site: the test page and analytics.js's files from node_modules, on loopback. */
function startSite() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://site');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(pageHtml(url.searchParams.get('mode') === 'snippet' ? 'snippet' : 'umd'));
      return;
    }
    const m = /^\/analytics-next\/([A-Za-z0-9._-]+\.js)$/.exec(url.pathname);
    if (m && existsSync(path.join(UMD_DIR, m[1]))) {
      res.writeHead(200, { 'content-type': 'application/javascript' });
      res.end(readFileSync(path.join(UMD_DIR, m[1])));
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

/** The test page's URL: analytics.js loaded with this write key and CDN (`mode` as pageHtml's, default "umd"). */
function pageUrl({ writeKey, cdn, mode }) {
  const query = new URLSearchParams({ wk: writeKey, cdn });
  if (mode) query.set('mode', mode);
  return `${site.url}/?${query}`;
}

/**
 * A new page in its own browser context, watched: `offLoopback` lists what it requested outside loopback
 * (refused), `consoleErrors` its console errors and warnings, `fetched` its requests to `origin` (a script's
 * file name as <file>.js), and `sent` every event analytics.js POSTed to the tracking API at `origin`, as sent.
 */
async function watchedPage(origin, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const offLoopback = [];
  await page.route('**/*', (route) => {
    if (new URL(route.request().url()).hostname === '127.0.0.1') return route.fallback();
    offLoopback.push(route.request().url());
    return route.abort();
  });
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') consoleErrors.push(msg.text());
  });
  const fetched = [];
  const sent = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.origin !== origin) return;
    fetched.push(`${req.method()} ${url.pathname.replace(/[^/]+\.js$/, '<file>.js')}`);
    if (req.method() === 'POST' && /^\/v1\/[tipgas]$/.test(url.pathname)) sent.push(JSON.parse(req.postData()));
  });
  return { context, page, offLoopback, consoleErrors, fetched, sent };
}

/** Starts `ampline serve` on loopback with this configuration, sending to the mock; resolves with its URL. */
async function startServe(configText, label) {
  const dir = path.join(tmp, label);
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'ampline.toml');
  writeFileSync(config, configText);
  const proc = await startProcess(
    findAmpline(),
    [
      'serve', '--config', config, '--data-dir', path.join(dir, 'data'),
      '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--amplitude-url', mockUrl,
    ],
    `ampline serve (${label})`,
  );
  const m = /tracking API on (http:\/\/\S+?),? admin API on (http:\/\/\S+)/.exec(proc.line);
  assert.ok(m, `ampline serve printed ${JSON.stringify(proc.line)}`);
  return { ...proc, url: m[1] };
}

let tmp;
let mock;
let serve;
let serveWithEvents;
let site;
let browser;
let ampline; // http://127.0.0.1:PORT of the tracking API
let mockUrl;

before(async () => {
  const bin = findAmpline();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ampline-browser-e2e-'));
  mock = await startProcess(bin, ['mock-amplitude', '--port', '0', '--api-key', AMPLITUDE_KEY], 'mock-amplitude');
  mockUrl = /(http:\/\/\S+)/.exec(mock.line)?.[1];
  assert.ok(mockUrl, `mock-amplitude printed ${JSON.stringify(mock.line)}`);

  serve = await startServe(
    `[[sources]]\nname = "website"\nwrite_key = "${WRITE_KEY}"\n\n[destination]\napi_key = "${AMPLITUDE_KEY}"\n`,
    'presets',
  );
  ampline = serve.url;
  site = await startSite();
  browser = await chromium.launch({ executablePath: findChromium() });
});

after(async () => {
  await browser?.close();
  site?.server.close();
  await stopProcess(serve);
  await stopProcess(serveWithEvents);
  await stopProcess(mock);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('ampline answers what analytics.js fetches from its CDN', async () => {
  const host = new URL(ampline).host;
  const settings = await getJson(`${ampline}/v1/projects/${WRITE_KEY}/settings`);
  // analytics.js imports its classic-destination chunk as soon as `integrations` has a second key, and a
  // script-tag install fetches that chunk from the CDN (cdn.segment.com, or ampline, which has no such file):
  // load() then fails. So the settings name Segment.io alone; the plugin comes through remotePlugins.
  assert.deepEqual(Object.keys(settings.integrations), ['Segment.io']);
  const segment = settings.integrations['Segment.io'];
  assert.equal(segment.apiKey, WRITE_KEY);
  assert.equal(segment.apiHost, `${host}/v1`);
  assert.equal(segment.protocol, 'http');
  assert.equal(settings.metrics.sampleRate, 0);
  assert.equal(settings.remotePlugins.length, 1);
  const [plugin] = settings.remotePlugins;
  assert.equal(plugin.name, 'Amplitude (Actions)');
  assert.equal(plugin.creationName, 'Actions Amplitude');
  assert.equal(plugin.libraryName, 'amplitude-pluginsDestination');
  assert.match(plugin.url, new RegExp(`^http://${host}/next-integrations/actions/amplitude-plugins/[^/]+\\.js$`));
  const sessionSubs = plugin.settings.subscriptions.filter((s) => s.partnerAction === 'sessionId');
  assert.equal(sessionSubs.length, 1);
  assert.equal(sessionSubs[0].name, 'Browser Session Tracking');
  assert.equal(sessionSubs[0].enabled, true);
  assert.equal(
    sessionSubs[0].subscribe,
    'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"',
  );
  assert.equal(typeof sessionSubs[0].mapping, 'object');
  assert.ok(!JSON.stringify(settings).includes('segment.'), 'the settings name none of Segment\'s hosts');

  const unknown = await fetch(`${ampline}/v1/projects/not-a-write-key/settings`);
  assert.equal(unknown.status, 404);

  const expected = readFileSync(PLUGIN_FILE, 'utf8');
  for (const url of [plugin.url, `${ampline}/next-integrations/actions/amplitude-plugins/any-name.js`]) {
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    assert.match(res.headers.get('content-type') ?? '', /^application\/javascript/);
    assert.equal(await res.text(), expected, 'the bundle is served verbatim (rebuild ampline after editing it)');
  }
});

test('a session in headless Chromium: same id within a session and across a reload, a new one after 30 minutes', async () => {
  const { context, page, offLoopback, consoleErrors, sent } = await watchedPage(ampline, {
    viewport: { width: 1100, height: 720 },
  });

  await page.clock.install({ time: START });
  const clock = () => page.evaluate(() => Date.now());
  async function round(name) {
    const from = await clock();
    await page.evaluate((r) => window.sendRound(r), name);
    const to = await clock();
    return { from, to };
  }

  await page.goto(pageUrl({ writeKey: WRITE_KEY, cdn: ampline }));
  await page.evaluate(() => window.ready);
  const a1 = await round('A1');
  await page.reload();
  await page.evaluate(() => window.ready);
  const a2 = await round('A2');
  await page.clock.fastForward(SESSION_LENGTH + 60 * 1000);
  await page.reload();
  await page.evaluate(() => window.ready);
  const b = await round('B');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'session.png'), fullPage: true });
  const stored = await page.evaluate(() => ({
    id: localStorage.getItem('analytics_session_id'),
    last: localStorage.getItem('analytics_session_id.last_access'),
  }));
  await context.close();

  assert.deepEqual(offLoopback, [], 'the page requested nothing outside loopback');
  assert.deepEqual(consoleErrors, [], 'no console errors or warnings');

  // What the browser sent: nine events, each with an integer-ms session id.
  assert.deepEqual(
    sent.map((e) => `${e.properties?.round ?? e.traits?.round}:${e.type}`),
    ['A1:page', 'A1:track', 'A1:identify', 'A2:page', 'A2:track', 'A2:identify', 'B:page', 'B:track', 'B:identify'],
  );
  for (const e of sent) {
    assert.ok(Number.isInteger(sessionIdOf(e)), `session_id of ${e.type} ${JSON.stringify(e.integrations)}`);
  }
  const s1 = sessionIdOf(sent[0]);
  const s2 = sessionIdOf(sent[6]);
  assert.ok(s1 >= a1.from && s1 <= a1.to, `the first session id (${s1}) is the page clock at the first event`);
  assert.ok(s2 >= b.from && s2 <= b.to, `the second session id (${s2}) is the page clock at its first event`);
  assert.ok(a2.to < s1 + SESSION_LENGTH, 'round A2 happened within the first session');
  assert.ok(s2 - s1 > SESSION_LENGTH, 'the sessions are more than the session length apart');
  assert.deepEqual(sent.map(sessionIdOf), [s1, s1, s1, s1, s1, s1, s2, s2, s2]);
  assert.deepEqual(stored, { id: String(s2), last: stored.last });
  assert.ok(Number(stored.last) >= s2);

  // What Amplitude received: page and track through Log Event V2 with the session id; identify through
  // Identify User (which has no session field).
  const items = await mockItems('events', 6);
  assert.equal(items.length, 6);
  const byRound = {};
  for (const item of items) {
    assert.ok(Number.isInteger(item.session_id), `integer session_id on ${JSON.stringify(item)}`);
    (byRound[item.event_properties.round] ??= []).push(item);
  }
  const summary = (r) => byRound[r].map((i) => `${i.event_type}@${i.session_id}`).sort();
  assert.deepEqual(summary('A1'), [`E2E Clicked@${s1}`, `Viewed Round A1@${s1}`]);
  assert.deepEqual(summary('A2'), [`E2E Clicked@${s1}`, `Viewed Round A2@${s1}`]);
  assert.deepEqual(summary('B'), [`E2E Clicked@${s2}`, `Viewed Round B@${s2}`]);
  for (const item of items) assert.equal(item.device_id, sent[0].anonymousId);

  const identifies = await mockItems('identifies', 3);
  assert.deepEqual(identifies.map((i) => i.user_id), [USER_ID, USER_ID, USER_ID]);
});

test('the classic way (analytics.min.js with analytics._cdn) loads the plugin from ampline too', async () => {
  const { context, page, offLoopback, fetched, sent } = await watchedPage(ampline);
  const before = (await getJson(`${mockUrl}/_mock/events`)).count;
  await page.goto(pageUrl({ writeKey: WRITE_KEY, cdn: ampline, mode: 'snippet' }));
  await page.evaluate(() => window.ready);
  await page.evaluate(() => window.sendRound('C'));
  await context.close();

  assert.deepEqual(offLoopback, [], 'the page requested nothing outside loopback');
  assert.deepEqual(fetched.slice(0, 2), [
    `GET /v1/projects/${WRITE_KEY}/settings`,
    'GET /next-integrations/actions/amplitude-plugins/<file>.js',
  ]);
  assert.deepEqual(sent.map((e) => e.type), ['page', 'track', 'identify']);
  const ids = sent.map(sessionIdOf);
  assert.ok(Number.isInteger(ids[0]), JSON.stringify(ids));
  assert.deepEqual(ids, [ids[0], ids[0], ids[0]]);
  // Two more events: the page and the track of round C.
  const items = (await mockItems('events', before + 2)).filter((i) => i.event_properties.round === 'C');
  assert.deepEqual(items.map((i) => i.session_id), [ids[0], ids[0]]);
});

test('session events from the plugin reach Amplitude (a session mapping with triggerSessionEvents)', async () => {
  const writeKey = 'e2e-session-events-key';
  serveWithEvents = await startServe(
    `[[sources]]
name = "website"
write_key = "${writeKey}"

[destination]
api_key = "${AMPLITUDE_KEY}"

[[mappings]]
name = "Track Calls"
trigger = 'type = "track"'
action = "logEventV2"

[[mappings]]
name = "Browser Session Tracking"
trigger = 'type = "track"'
action = "sessionId"
mapping = { sessionLength = 60000, triggerSessionEvents = true, sessionStartEvent = "Session Start" }
`,
    'session-events',
  );
  const url = serveWithEvents.url;
  const settings = await getJson(`${url}/v1/projects/${writeKey}/settings`);
  assert.deepEqual(settings.remotePlugins[0].settings.subscriptions[0].mapping, {
    sessionLength: 60000,
    triggerSessionEvents: true,
    sessionStartEvent: 'Session Start',
  });

  const { context, page, offLoopback, sent } = await watchedPage(url);
  await page.clock.install({ time: START });
  await page.goto(pageUrl({ writeKey, cdn: url }));
  await page.evaluate(() => window.ready);
  await page.evaluate(() => window.sendTrack('D1'));
  await page.clock.fastForward(2 * 60 * 1000); // past this mapping's 1-minute session length
  await page.evaluate(() => window.sendTrack('D2'));
  const named = (e) => `${e.event}${e.properties?.round ? ' ' + e.properties.round : ''}`;
  // The session events are sent by the plugin while analytics.js handles the user's event: wait for them.
  await eventually('five tracks sent by the browser', () => sent.length >= 5);
  await context.close();

  assert.deepEqual(offLoopback, []);
  const clicks = sent.filter((e) => e.event === 'E2E Clicked');
  const s1 = sessionIdOf(clicks[0]);
  const s2 = sessionIdOf(clicks[1]);
  assert.ok(Number.isInteger(s1) && Number.isInteger(s2) && s2 - s1 > 60000, `${s1} then ${s2}`);
  assert.deepEqual(
    sent.map((e) => `${named(e)}@${sessionIdOf(e)}`).sort(),
    [`E2E Clicked D1@${s1}`, `E2E Clicked D2@${s2}`, `Session Start@${s1}`, `Session Start@${s2}`, `session_ended@${s1}`].sort(),
  );
  const ended = sent.find((e) => e.event === 'session_ended');
  const endedAt = Date.parse(ended.timestamp);
  assert.ok(endedAt >= s1 && endedAt < s2 - 60000, `session_ended is dated at the old session's last event (${ended.timestamp})`);
  const started = sent.filter((e) => e.event === 'Session Start').map((e) => Date.parse(e.timestamp)).sort();
  assert.deepEqual(started, [s1, s2], 'each start event is dated at its session id');

  const device = sent[0].anonymousId;
  const items = await mockItems('events', 5, { device_id: device });
  assert.deepEqual(
    items.map((i) => `${i.event_type}@${i.session_id}`).sort(),
    [`E2E Clicked@${s1}`, `E2E Clicked@${s2}`, `Session Start@${s1}`, `Session Start@${s2}`, `session_ended@${s1}`].sort(),
  );
});
