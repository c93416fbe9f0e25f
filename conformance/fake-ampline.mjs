#!/usr/bin/env node
// A stand-in for the ampline binary that answers the NDJSON contract by calling the reference
// itself, for testing the harness: with it a round must show 0 differences. With --broken it
// makes deliberate mistakes (and one deliberate deviation), so a round must report differences.
//   node conformance/fake-ampline.mjs [--broken] [--crash] [--hang] fql|map --ndjson

import { createInterface } from 'node:readline';
import { referenceFql, referenceMap } from './oracles/segment-core.mjs';
import { analyse } from './fql/tokens.mjs';

const args = process.argv.slice(2);
const broken = args.includes('--broken');
// Dies like a panicking binary on triggers with `((`, to test crash recovery.
const crashy = args.includes('--crash');
// Hangs on triggers with `((`, to test the idle timeout.
const hangs = args.includes('--hang');
const command = args.find((a) => a === 'fql' || a === 'map');
if (!command || !args.includes('--ndjson')) {
  console.error('usage: fake-ampline.mjs [--broken] [--crash] [--hang] fql|map --ndjson');
  process.exit(2);
}

function answerFql(c) {
  if (hangs && c.expr.includes('((')) for (;;);
  if (crashy && c.expr.includes('((')) {
    console.error("thread 'main' panicked: not yet implemented");
    process.exit(101);
  }
  const ref = referenceFql(c);
  if (ref.error) return { error: `invalid trigger: ${ref.error}` };
  let matches = ref.matches;
  if (broken) {
    // A bug: `!=` against a missing field says false. A deviation: `!` really negates.
    if (/!= "/.test(c.expr) && c.event.userId === undefined) matches = !matches;
    if (analyse(c.expr)?.negations.length) matches = !matches;
    if (c.expr.includes('\r')) return { matches: false };
  }
  return { matches };
}

function answerMap(c) {
  const ref = referenceMap(c);
  if (ref.error) return { error: ref.error };
  if (broken) {
    if ('@replace' in (c.mapping ?? {})) return { error: 'not implemented' };
    const text = JSON.stringify(ref.output);
    if (text?.includes('"ß')) return { output: JSON.parse(text.replace(/"ß/g, '"ss')) };
    if (ref.output && typeof ref.output === 'object' && 'user_id' in ref.output && ref.output.user_id === null) {
      const { user_id: _, ...rest } = ref.output;
      return { output: rest };
    }
  }
  return ref;
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
let lineNumber = 0;
for await (const line of rl) {
  lineNumber++;
  if (!line.trim()) continue;
  let result;
  try {
    const c = JSON.parse(line);
    result = command === 'fql' ? answerFql(c) : answerMap(c);
  } catch (e) {
    result = { error: `line ${lineNumber}: ${e.message}` };
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}
