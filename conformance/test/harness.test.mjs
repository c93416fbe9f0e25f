// Tests of the harness itself (no ampline binary needed): the token analysis behind the deviation
// predicates, determinism of generation, JSON comparison, and whole rounds against the fake binary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lex, analyse } from '../fql/tokens.mjs';
import { deviationsFor } from '../deviations.mjs';
import { fqlSuite } from '../fql/suite.mjs';
import { mapSuite } from '../map/suite.mjs';
import { jsonEqual, jsonDifferences } from '../lib/compare.mjs';
import { parseBin } from '../lib/ampline.mjs';
import { createRequire } from 'node:module';

const here = fileURLToPath(new URL('..', import.meta.url));
const devs = (expr) => deviationsFor('fql', analyse(expr));

test('lexer follows the spec quirks', () => {
  assert.deepEqual(lex('event="A"and type="B"').tokens.map((t) => t.text), ['event', '=', '"A"', '"and type="', '"B"']);
  assert.ok(lex('userId!="x"').error);
  assert.deepEqual(lex('x >=5').tokens.map((t) => t.text), ['x', '>', '=', '5']);
  assert.deepEqual(lex('properties.items.0 = 1').tokens.map((t) => t.kind), ['word', 'punct', 'num', 'op', 'num']);
  assert.ok(lex('type = "a"\r').error);
  assert.ok(lex('properties.x>5').error);
  assert.ok(lex('x > 1.').error);
  assert.deepEqual(lex('a AND b').tokens.map((t) => t.kind), ['word', 'word', 'word']);
  assert.deepEqual(lex('my\\ key').tokens.map((t) => t.text), ['my key']);
  assert.deepEqual(lex('properties. revenue = nud').tokens.map((t) => t.text), ['properties.revenue', '=', 'n']);
  assert.deepEqual(lex('x = ox').tokens.map((t) => t.text), ['x', '=', 'ox']);
  assert.deepEqual(lex('x = nu ').tokens.map((t) => t.text), ['x', '=', 'nu']);
  assert.deepEqual(lex('x = n!u').tokens.map((t) => t.text), ['x', '=', 'n']);
});

test('lexer agrees with the reference lexer on 4,000 generated triggers', () => {
  // The reference lexes `a.b` as three tokens and merges them while parsing; merge them here too.
  const { lex: referenceLex } = createRequire(import.meta.url)('@segment/fql-ts');
  const merged = (tokens) => {
    const out = [];
    for (const t of tokens.filter((t) => t.type !== 'eos')) {
      const [b, a] = out.slice(-2);
      if (t.type === 'ident' && a?.type === 'dot' && b?.type === 'ident') { out.pop(); b.value += `.${t.value}`; } else out.push({ ...t });
    }
    return out.map((t) => t.value);
  };
  const mismatches = [];
  for (let i = 0; i < 4000; i++) {
    const { expr } = fqlSuite.generate(11, i).case;
    const lexed = referenceLex(expr);
    const reference = lexed.error ? 'error' : merged(lexed.tokens);
    const mine = lex(expr);
    const texts = mine.error ? 'error' : mine.tokens.map((t) => t.text);
    if (JSON.stringify(texts) !== JSON.stringify(reference)) mismatches.push(expr);
  }
  assert.deepEqual(mismatches, []);
});

test('deviation predicates cover exactly the declared structures', () => {
  assert.deepEqual(devs('type = "a" and event = "b" or event = "c"'), ['fql-precedence']);
  assert.deepEqual(devs('type = "a" or event = "b" or event = "c"'), []);
  assert.deepEqual(devs('type = "a" and (event = "b" or event = "c")'), []);
  // The `or` is swallowed as the value of the infix `exists`, so the level is not mixed.
  assert.deepEqual(devs('properties.x exists or type = "a" and event = "b"'), []);
  assert.deepEqual(devs('!(type = "a")'), ['fql-negation']);
  assert.deepEqual(devs('!type = "a"'), ['fql-negation']);
  assert.deepEqual(devs('!contains(event, "x") and type = "a"'), []);
  assert.deepEqual(devs('((type = "a"))'), ['fql-nested-groups']);
  assert.deepEqual(devs('type = "x" and (contains(event,"x") or event = "b")'), ['fql-function-in-group']);
  assert.deepEqual(devs('contains(event,"x") and (event = "b")'), []);
  assert.deepEqual(devs('userId!="x" and a or b'), [], 'a trigger that does not lex is never a deviation');
});

test('generation is deterministic per seed and index', () => {
  assert.deepEqual(fqlSuite.generate(7, 3).case, fqlSuite.generate(7, 3).case);
  assert.notDeepEqual(fqlSuite.generate(7, 3).case, fqlSuite.generate(7, 4).case);
  assert.deepEqual(mapSuite.generate(7, 3).case, mapSuite.generate(7, 3).case);
  assert.notDeepEqual(mapSuite.generate(7, 3).case, mapSuite.generate(8, 3).case);
});

test('JSON comparison ignores key order only', () => {
  assert.ok(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1.0 }));
  assert.ok(!jsonEqual([1, 2], [2, 1]));
  assert.ok(!jsonEqual({ a: null }, {}));
  assert.ok(!jsonEqual({ a: '1' }, { a: 1 }));
});

test('differences are located by path', () => {
  assert.deepEqual(jsonDifferences({ a: { b: [1, 2] }, c: 1 }, { c: 1, a: { b: [1, 3] } }), [{ path: '/a/b/1', reference: 2, ampline: 3 }]);
  assert.deepEqual(jsonDifferences({ k: null }, {}), [{ path: '/k', reference: null, ampline: '(absent)' }]);
  assert.deepEqual(jsonDifferences('x', null), [{ path: '/', reference: 'x', ampline: null }]);
});

test('comparison rules per language', () => {
  assert.ok(fqlSuite.equal({ error: 'x' }, { error: 'other text' }));
  assert.ok(!fqlSuite.equal({ error: 'x' }, { matches: false }));
  assert.ok(fqlSuite.equal({ matches: false, threw: 'boom' }, { error: 'invalid' }));
  assert.ok(!fqlSuite.equal({ matches: false, threw: 'boom' }, { matches: true }));
  assert.ok(mapSuite.equal({ output: null }, { output: null }));
  assert.ok(!mapSuite.equal({ output: null }, { output: {} }));
  assert.ok(!mapSuite.equal({ output: {} }, { crash: 'exited' }));
});

test('--bin splits into program and arguments', () => {
  assert.deepEqual(parseBin('node "my dir/fake.mjs" --broken'), ['node', 'my dir/fake.mjs', '--broken']);
});

function round(bin, cases) {
  return spawnSync('node', ['run.mjs', '--lang', 'all', '--seed', '3', '--cases', String(cases), '--bin', bin, '--show', '1'], { cwd: here, encoding: 'utf8' });
}

test('a faithful fake gives no differences, and full coverage at 2,000 cases', () => {
  const r = round('node fake-ampline.mjs', 2000);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /=== fql: .* 0 differences/);
  assert.match(r.stdout, /=== map: .* 0 differences/);
  assert.doesNotMatch(r.stdout, /never generated/);
});

test('a broken fake is caught, and its deliberate deviation is not counted as a difference', () => {
  const r = round('node fake-ampline.mjs --broken', 1000);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /=== fql: .* [1-9]\d* differences/);
  assert.match(r.stdout, /=== map: .* [1-9]\d* differences/);
  assert.match(r.stdout, /deviation fql-negation: \d+ cases, [1-9]\d* of them differ/);
});

test('a crashing binary costs only the case it crashed on', () => {
  const r = spawnSync('node', ['run.mjs', '--lang', 'fql', '--seed', '3', '--cases', '1000', '--bin', 'node fake-ampline.mjs --crash', '--show', '50'], { cwd: here, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const crashes = r.stdout.match(/ampline:\s+{"crash":"exited with 101 before answering this case: thread 'main' panicked/g) ?? [];
  const differences = Number(r.stdout.match(/, (\d+) differences/)[1]);
  assert.ok(crashes.length > 0);
  // Every difference is a crash on a `((` trigger (even where a deviation applies), and the
  // cases after each crash were still run and compared equal.
  assert.equal(differences, crashes.length);
  assert.equal(r.stdout.match(/expr: .*\(\(/g).length, crashes.length);
  assert.match(r.stdout, /: 9\d\d equal/);
});

test('a hanging binary costs only the case it hangs on', () => {
  const r = spawnSync('node', ['run.mjs', '--lang', 'fql', '--seed', '3', '--cases', '600', '--bin', 'node fake-ampline.mjs --hang', '--show', '5'], {
    cwd: here, encoding: 'utf8', env: { ...process.env, CONFORMANCE_IDLE_TIMEOUT_MS: '1500' },
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const hangs = r.stdout.match(/ampline:\s+{"crash":"gave no answer for 1.5 s on this case"}/g) ?? [];
  assert.ok(hangs.length > 0);
  assert.equal(r.stdout.match(/expr: .*\(\(/g).length, hangs.length);
  assert.match(r.stdout, new RegExp(`: ${600 - hangs.length} equal, 0 differ under a declared deviation, ${hangs.length} differences`));
});
