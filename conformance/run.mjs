#!/usr/bin/env node
// Differential conformance round: generates seeded cases, runs them through Segment's reference
// packages and through ampline's dry-run CLI, and reports every difference. See README.md.

import { writeFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fqlSuite } from './fql/suite.mjs';
import { mapSuite } from './map/suite.mjs';
import { runAmpline } from './lib/ampline.mjs';
import { deviationsFor, DEVIATIONS } from './deviations.mjs';
import { coverageReport } from './lib/coverage.mjs';
import { jsonDifferences } from './lib/compare.mjs';

const SUITES = { fql: fqlSuite, map: mapSuite, actions: null };
const FULL_ROUND = 2000;

const USAGE = `usage: node conformance/run.mjs --lang fql|map|actions|all --bin PATH [--seed N] [--cases N] [--show N]
                     [--write-failures FILE] [--replay INDEX | --replay-file FILE] [--coverage]
  --bin            ampline binary, or a command line such as "node conformance/fake-ampline.mjs"
                   (default: $AMPLINE_BIN, else target/release/ampline in the workspace)
  --seed, --cases  round seed (default 1) and cases per language (default ${FULL_ROUND})
  --show N         print the first N differences per language (default 10)
  --write-failures write every non-deviation difference as NDJSON (replay with --replay-file)
  --replay INDEX   run only case INDEX of the round (with --lang and --seed) and print it in full
  --replay-file F  run the cases in F (as written by --write-failures)
  --coverage       print which features the generator produced, and how often`;

function fail(message) {
  console.error(message);
  process.exit(2);
}

const { values: opts } = parseArgs({
  options: {
    lang: { type: 'string', default: 'all' },
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: String(FULL_ROUND) },
    bin: { type: 'string' },
    show: { type: 'string', default: '10' },
    'write-failures': { type: 'string' },
    replay: { type: 'string' },
    'replay-file': { type: 'string' },
    coverage: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) { console.log(USAGE); process.exit(0); }
const langs = opts.lang === 'all' ? ['fql', 'map'] : [opts.lang];
if (!langs.every((l) => l in SUITES)) fail(`unknown --lang ${opts.lang}\n${USAGE}`);
// Loaded only when asked for: its oracle pins the clock and the time zone for the whole process.
if (langs.includes('actions')) SUITES.actions = (await import('./actions/suite.mjs')).actionsSuite;
const seed = Number(opts.seed);
const caseCount = Number(opts.cases);
const show = Number(opts.show);
if (!Number.isInteger(seed) || !Number.isInteger(caseCount) || caseCount < 1) fail(`--seed and --cases must be integers\n${USAGE}`);
const bin = opts.bin ?? process.env.AMPLINE_BIN ?? new URL('../target/release/ampline', import.meta.url).pathname;

/** Compares one case's results and classifies it: equal, deviation (with ids) or difference. */
function classify(suite, testCase, reference, ampline) {
  const deviations = deviationsFor(suite.lang, suite.analyse(testCase));
  if (suite.equal(reference, ampline)) return { verdict: 'equal', deviations };
  // A crash or an unreadable answer is a bug whatever the case: no deviation may cover it.
  if ('crash' in ampline || 'invalid' in ampline) return { verdict: 'difference', deviations };
  // If ampline reports warnings (where Segment reads the case differently), a deviation it did
  // not warn about is not the deliberate one.
  if (deviations.length && Array.isArray(ampline.warnings) && ampline.warnings.length === 0) return { verdict: 'difference', deviations };
  return { verdict: deviations.length ? 'deviation' : 'difference', deviations };
}

function printCase(entry, index) {
  const { lang, caseIndex, testCase, reference, ampline, deviations } = entry;
  console.log(`--- ${lang} case #${caseIndex}${index !== undefined ? ` (difference ${index + 1})` : ''}${deviations?.length ? ` [deviations: ${deviations.join(', ')}]` : ''}`);
  // Every field of the case, in the order the suite built it (expr/mapping first, then event).
  for (const [key, value] of Object.entries(testCase)) console.log(`  ${`${key}:`.padEnd(10)} ${JSON.stringify(value)}`);
  console.log(`  reference: ${JSON.stringify(reference)}`);
  console.log(`  ampline:   ${JSON.stringify(ampline)}`);
  if (reference && ampline && 'output' in reference && 'output' in ampline) {
    for (const d of jsonDifferences(reference.output, ampline.output)) {
      console.log(`  differs at ${d.path}: reference ${JSON.stringify(d.reference)}, ampline ${JSON.stringify(d.ampline)}`);
    }
  }
  if (reference && ampline && SUITES[lang].explain) for (const line of SUITES[lang].explain(reference, ampline)) console.log(`  ${line}`);
  if (caseIndex !== undefined) console.log(`  replay:    node conformance/run.mjs --lang ${lang} --seed ${entry.seed ?? seed} --replay ${caseIndex} --bin ${JSON.stringify(bin)}`);
}

/** What kind of disagreement a difference is, e.g. "reference error, ampline output". */
function kindOf(entry) {
  const suiteKind = SUITES[entry.lang].kindOf?.(entry.reference, entry.ampline);
  if (suiteKind) return suiteKind;
  if ('crash' in entry.ampline) return `ampline crash (${entry.ampline.crash.replace(/^.*?before answering this case: /, '')})`;
  const describe = (r) => ('crash' in r ? 'crash' : 'invalid' in r ? 'unreadable answer' : 'error' in r ? 'error' : 'matches' in r ? `matches=${r.matches}` : 'output' in r ? 'output' : 'nothing');
  const ref = describe(entry.reference);
  const amp = describe(entry.ampline);
  if (ref === 'output' && amp === 'output') return 'outputs differ';
  return `reference ${ref}, ampline ${amp}`;
}

/** Differences by kind, and the generator features most over-represented among them. */
function printBreakdown(differences, entries) {
  const kinds = new Map();
  for (const d of differences) kinds.set(kindOf(d), (kinds.get(kindOf(d)) ?? 0) + 1);
  console.log(`  by kind: ${[...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join('; ')}`);
  const all = new Map();
  const diff = new Map();
  for (const e of entries) for (const t of e.tags) all.set(t, (all.get(t) ?? 0) + 1);
  for (const e of differences) for (const t of e.tags) diff.set(t, (diff.get(t) ?? 0) + 1);
  const rate = [...diff].map(([t, n]) => [t, n, n / all.get(t)]).filter(([, n]) => n >= 2).sort((a, b) => b[2] - a[2] || b[1] - a[1]).slice(0, 12);
  console.log(`  features most often in differences: ${rate.map(([t, n]) => `${t} ${n}/${all.get(t)}`).join(', ')}`);
}

async function runRound(suite) {
  const generated = [];
  const indexes = opts.replay !== undefined ? [Number(opts.replay)] : Array.from({ length: caseCount }, (_, i) => i);
  for (const i of indexes) generated.push({ index: i, ...suite.generate(seed, i) });
  const cases = generated.map((g) => g.case);
  // A reference may be asynchronous (the actions suite's is); cases run one after another.
  const references = [];
  for (const c of cases) references.push(await suite.reference(c));
  const results = await runAmpline(bin, suite.subcommand, cases);
  return generated.map((g, k) => ({ lang: suite.lang, caseIndex: g.index, testCase: g.case, tags: g.tags, reference: references[k], ampline: results[k] }));
}

async function runFile(file) {
  const entries = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const out = [];
  for (const lang of langs) {
    const suite = SUITES[lang];
    const mine = entries.filter((e) => e.lang === lang);
    if (!mine.length) continue;
    const cases = mine.map((e) => e.case);
    const results = await runAmpline(bin, suite.subcommand, cases);
    for (const [k, e] of mine.entries()) out.push({ lang, seed: e.seed, caseIndex: e.index, testCase: e.case, tags: new Set(), reference: await suite.reference(e.case), ampline: results[k] });
  }
  return out;
}

function summarise(lang, entries) {
  const suite = SUITES[lang];
  const summary = { cases: entries.length, equal: 0, deviationCases: {}, deviationDiffs: {}, differences: [] };
  for (const entry of entries) {
    const { verdict, deviations } = classify(suite, entry.testCase, entry.reference, entry.ampline);
    entry.deviations = deviations;
    for (const id of deviations) summary.deviationCases[id] = (summary.deviationCases[id] ?? 0) + 1;
    if (verdict === 'equal') summary.equal++;
    else if (verdict === 'deviation') for (const id of deviations) summary.deviationDiffs[id] = (summary.deviationDiffs[id] ?? 0) + 1;
    else summary.differences.push(entry);
  }
  summary.deviationDiffCount = entries.length - summary.equal - summary.differences.length;
  return summary;
}

const main = async () => {
  let failed = false;
  const allDifferences = [];
  if (opts['replay-file']) {
    const entries = await runFile(opts['replay-file']);
    for (const lang of langs) {
      const mine = entries.filter((e) => e.lang === lang);
      if (!mine.length) continue;
      const s = summarise(lang, mine);
      mine.forEach((e) => printCase(e));
      console.log(`${lang}: ${s.cases} replayed, ${s.equal} equal, ${s.differences.length} differences`);
      if (s.differences.length) failed = true;
    }
    process.exit(failed ? 1 : 0);
  }
  let totalCases = 0;
  for (const lang of langs) {
    const entries = await runRound(SUITES[lang]);
    const s = summarise(lang, entries);
    if (opts.replay !== undefined) {
      entries.forEach((e) => printCase(e));
      console.log(`  tags:      ${[...entries[0].tags].join(', ')}`);
      console.log(`  verdict:   ${s.equal ? 'equal' : s.differences.length ? 'DIFFERENCE' : 'deviation'}`);
      if (s.differences.length) failed = true;
      continue;
    }
    console.log(`\n=== ${lang}: seed ${seed}, ${s.cases} cases: ${s.equal} equal, ${s.deviationDiffCount} differ under a declared deviation, ${s.differences.length} differences`);
    for (const d of DEVIATIONS[lang] ?? []) {
      console.log(`  deviation ${d.id}: ${s.deviationCases[d.id] ?? 0} cases, ${s.deviationDiffs[d.id] ?? 0} of them differ`);
    }
    if (s.differences.length) printBreakdown(s.differences, entries);
    s.differences.slice(0, show).forEach((e, i) => printCase(e, i));
    if (s.differences.length > show) console.log(`  … ${s.differences.length - show} more differences (raise --show or use --write-failures)`);
    const coverage = coverageReport(SUITES[lang].features, entries.map((e) => e.tags));
    if (opts.coverage) console.log(coverage.table);
    if (coverage.missing.length) {
      const enforce = s.cases >= FULL_ROUND;
      console.log(`  coverage: never generated: ${coverage.missing.join(', ')}${enforce ? '' : ' (not enforced below ' + FULL_ROUND + ' cases)'}`);
      if (enforce) failed = true;
    } else {
      console.log(`  coverage: all ${SUITES[lang].features.length} listed features generated`);
    }
    if (s.differences.length) failed = true;
    allDifferences.push(...s.differences);
    totalCases += s.cases;
  }
  if (opts['write-failures']) {
    writeFileSync(opts['write-failures'], allDifferences.map((e) => JSON.stringify({ lang: e.lang, seed, index: e.caseIndex, case: e.testCase, reference: e.reference, ampline: e.ampline })).join('\n') + (allDifferences.length ? '\n' : ''));
    console.log(`wrote ${allDifferences.length} differences to ${opts['write-failures']}`);
  }
  // The closing line test runners read: a case passes when it is equal or differs only under a
  // declared deviation.
  console.log(`\nconformance: ${totalCases - allDifferences.length} passed, ${allDifferences.length} failed`);
  process.exit(failed ? 1 : 0);
};

main().catch((e) => { console.error(`conformance: ${process.env.DEBUG ? e?.stack : e?.message ?? e}`); process.exit(2); });
