#!/usr/bin/env node
// Side-by-side throughput of the whole per-event transform for Log Event V2 with its default
// mapping and default trigger: Segment's destination in Node (in-process: the trigger with
// destination-subscriptions, then mapping, validation and perform with the recording fetch stub) against ampline twice: in-process (the `transform` example of
// ampline-amplitude) and as
// `ampline test-event --ndjson` (a separate process, so its number includes parsing and writing
// the NDJSON lines). All get the same realistic events, in the same order, in the same run, round
// after round. In-process, each event is copied before the clock starts and only the transform
// is timed, on both sides. See README.md.
//
//   node conformance/bench/run.mjs [--bin PATH] [--transform PATH] [--events N] [--distinct N] [--rounds N]
//
// --transform defaults to target/release/examples/transform
// (`cargo build --release -p ampline-amplitude --example transform`).

import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Rng } from '../lib/prng.mjs';
import { parseBin } from '../lib/ampline.mjs';
import { createRequire } from 'node:module';

const { parseFql, validate } = createRequire(import.meta.url)('@segment/destination-subscriptions');
// The reference as it runs in production: the oracle pins "now" for the differential tests with a
// subclass of `Date`, which the benchmark must not pay for.
process.env.AMPLINE_ORACLE_REAL_DATE = '1';
const { executeForBench, defaultMapping } = await import('../oracles/action-destinations.mjs');

const { values: opts } = parseArgs({
  options: {
    bin: { type: 'string' },
    transform: { type: 'string' },
    events: { type: 'string', default: '10000' },
    distinct: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
  },
});
const bin = opts.bin ?? process.env.AMPLINE_BIN ?? new URL('../../target/release/ampline', import.meta.url).pathname;
const transformBin = opts.transform ?? new URL('../../target/release/examples/transform', import.meta.url).pathname;
const eventCount = Number(opts.events);
const distinct = Number(opts.distinct);
const rounds = Number(opts.rounds);

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
];
const EVENTS = ['Product Added', 'Product Viewed', 'Checkout Started', 'Button Clicked', 'Signed Up', 'Video Played'];

/** An analytics.js track event of about 1.5 KB, like the divan bench's, with varied values. */
function realisticTrackEvent(rng) {
  const price = rng.pick([119.99, 19.5, 5, 249, 0.99]);
  return {
    anonymousId: rng.uuid(),
    context: {
      campaign: rng.chance(0.4) ? { medium: 'cpc', name: 'spring_sale', source: rng.pick(['google', 'bing']), term: 'running shoes' } : undefined,
      library: { name: 'analytics.js', version: 'next-1.62.0' },
      locale: rng.pick(['en-US', 'de-DE', 'fr-FR']),
      page: {
        path: '/products/trail-runner-2',
        referrer: rng.pick(['https://www.google.com/', '', 'https://news.example.org/']),
        search: '?utm_source=google&utm_medium=cpc',
        title: 'Trail Runner 2 – Example Shop',
        url: 'https://shop.example.com/products/trail-runner-2?utm_source=google&utm_medium=cpc',
      },
      userAgent: rng.pick(USER_AGENTS),
      userAgentData: rng.chance(0.5) ? { brands: [{ brand: 'Chromium', version: '120' }], mobile: false, platform: 'macOS' } : undefined,
      ip: `203.0.113.${rng.int(1, 254)}`,
      timezone: 'Europe/Berlin',
    },
    event: rng.pick(EVENTS),
    integrations: { 'Actions Amplitude': { session_id: 1705312800000 + rng.int(0, 1e6) } },
    messageId: `ajs-next-${rng.hex(32)}`,
    originalTimestamp: '2024-01-15T10:00:34.567Z',
    properties: {
      brand: 'Example', cart_id: `cart-${rng.hex(6)}`, category: 'Shoes/Running', coupon: 'SPRING10', currency: 'EUR',
      image_url: 'https://cdn.example.com/img/trail-runner-2.jpg', name: 'Trail Runner 2', position: rng.int(1, 9), price,
      product_id: 'tr2-blue-42', quantity: rng.int(1, 3), sku: 'TR2-BLU-42', url: 'https://shop.example.com/products/trail-runner-2', variant: 'blue / 42',
    },
    receivedAt: '2024-01-15T10:00:35.012Z',
    sentAt: '2024-01-15T10:00:34.789Z',
    timestamp: `2024-01-15T10:${String(rng.int(0, 59)).padStart(2, '0')}:34.790Z`,
    type: 'track',
    userId: `user-${rng.hex(8)}`,
    writeKey: 'wk_3Jf8sK2pQ9xL1mN4',
  };
}

const rng = new Rng(20261128);
// JSON round trip drops the undefined members, as the wire would.
const pool = Array.from({ length: distinct }, () => JSON.parse(JSON.stringify(realisticTrackEvent(rng))));
const events = Array.from({ length: eventCount }, (_, i) => pool[i % pool.length]);
const settings = { apiKey: 'api-key', secretKey: 'secret-key', endpoint: 'north_america' };
const mapping = defaultMapping('logEventV2');
// The action's default trigger, parsed once as Segment parses a subscription.
const trigger = parseFql('type = "track"');
const bytes = pool.reduce((n, e) => n + JSON.stringify(e).length, 0) / pool.length;

async function referenceRound() {
  let nanos = 0n;
  let requests = 0;
  for (const event of events) {
    // Each call gets its own fresh copy (the destination may keep or change what it is given),
    // made before the clock starts: like ampline's loop, only the transform is timed, on an
    // event just made, as a freshly parsed request would be.
    const copy = structuredClone(event);
    const start = process.hrtime.bigint();
    if (validate(trigger, copy) === true) requests += await executeForBench('logEventV2', copy, mapping, settings);
    nanos += process.hrtime.bigint() - start;
  }
  if (requests !== events.length) throw new Error(`reference made ${requests} requests for ${events.length} events`);
  return events.length / (Number(nanos) / 1e9);
}

function amplineRound(input) {
  return new Promise((resolve, reject) => {
    const [program, ...args] = parseBin(bin);
    const start = process.hrtime.bigint();
    const child = spawn(program, [...args, 'test-event', '--ndjson'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let lines = 0;
    let errors = 0;
    let tail = '';
    child.stdout.on('data', (chunk) => {
      const text = tail + chunk;
      const parts = text.split('\n');
      tail = parts.pop();
      lines += parts.length;
      for (const p of parts) if (!p.includes('"error":null')) errors++;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0 || lines !== events.length) return reject(new Error(`ampline exited with ${code} after ${lines} of ${events.length} answers`));
      if (errors) return reject(new Error(`ampline rejected ${errors} of the events`));
      resolve(events.length / seconds);
    });
    child.stdin.end(input);
  });
}

function transformRound(input, passes) {
  return new Promise((resolve, reject) => {
    const child = spawn(transformBin, ['logEventV2', '1', String(passes)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${transformBin} exited with ${code}`));
      const report = JSON.parse(out);
      const expected = events.length * passes;
      if (report.events !== expected || report.requests !== expected) {
        return reject(new Error(`transform made ${report.requests} requests for ${report.events} of ${expected} events`));
      }
      resolve(report.best_events_per_sec);
    });
    child.stdin.end(input);
  });
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const input = events.map((event) => JSON.stringify({ action: 'logEventV2', event, mapping: null, settings })).join('\n') + '\n';

console.log(`Log Event V2, default mapping: ${events.length} events per round (${pool.length} distinct, ~${Math.round(bytes)} B of JSON each), ${rounds} rounds, best round counts`);
// Warm-up: JIT for the reference, page cache for the binary.
const referenceWarmUp = await referenceRound();
await amplineRound(input);
const rawEvents = events.map((event) => JSON.stringify(event)).join('\n') + '\n';
// In-process, ampline's rounds pass over the events as many times as it takes to last about as
// long as a reference round: both sides' rounds then average the same noise of a shared machine
// (a round of a few milliseconds is either all quiet or all disturbed).
const passes = Math.max(1, Math.round((await transformRound(rawEvents, 1)) / referenceWarmUp));
let bestReference = 0;
let bestAmpline = 0;
let bestInProcess = 0;
// After a reference round V8 keeps collecting and compiling on helper threads, which share the
// pinned core with the next child process; a pause lets that work finish before ampline's turn.
const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
for (let r = 0; r < rounds; r++) {
  bestReference = Math.max(bestReference, await referenceRound());
  await settle();
  bestInProcess = Math.max(bestInProcess, await transformRound(rawEvents, passes));
  await settle();
  bestAmpline = Math.max(bestAmpline, await amplineRound(input));
}
console.log(`  reference (@segment/action-destinations in Node ${process.version}, in-process): ${fmt(bestReference)} events/s`);
console.log(`  ampline in-process (${transformBin}, rounds of ${passes} passes): ${fmt(bestInProcess)} events/s = ${(bestInProcess / bestReference).toFixed(1)}x the reference`);
console.log(`  ampline (${bin} test-event --ndjson, incl. NDJSON I/O): ${fmt(bestAmpline)} events/s = ${(bestAmpline / bestReference).toFixed(1)}x the reference`);
