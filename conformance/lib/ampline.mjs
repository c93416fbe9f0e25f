// Drives ampline's dry-run commands over the NDJSON contract: one process per language, every
// case written to its standard input, one result line read back per case, in order. A crash (a
// panic, say) ends the process early: the case it stopped at gets a `crash` result, and a fresh
// process takes the rest, so one bad case cannot hide all the others.

import { spawn } from 'node:child_process';

// A binary that dies on the first case of this many fresh processes in a row is taken as broken
// for every case, and the rest of the round is not run.
const MAX_IMMEDIATE_CRASHES = 20;
// ampline flushes its answers whenever it has consumed its input buffer, so a process that
// answers nothing for this long is stuck on a case (an endless loop, say).
const IDLE_TIMEOUT_MS = Number(process.env.CONFORMANCE_IDLE_TIMEOUT_MS ?? 30_000);

/** Splits a `--bin` value such as "node conformance/fake-ampline.mjs" into program and arguments. */
export function parseBin(bin) {
  const parts = bin.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  return parts.map((p) => (/^["'].*["']$/.test(p) ? p.slice(1, -1) : p));
}

function runOnce(binParts, subcommand, lines) {
  return new Promise((resolve) => {
    const [program, ...args] = binParts;
    const child = spawn(program, [...args, subcommand, '--ndjson'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    let timedOut = false;
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, IDLE_TIMEOUT_MS);
    };
    arm();
    child.stdout.on('data', (d) => { out.push(d); arm(); });
    child.stderr.on('data', (d) => { err += d; if (err.length > 20000) err = err.slice(-10000); });
    child.stdin.on('error', () => {}); // the child may die before reading everything
    child.on('error', (e) => { clearTimeout(timer); resolve({ lines: [], stderr: String(e.message), code: null, spawnError: true }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8');
      const got = text.split('\n');
      if (got[got.length - 1] === '') got.pop();
      resolve({ lines: got, stderr: err, code, signal, timedOut });
    });
    child.stdin.end(lines.join('\n') + '\n');
  });
}

function parseLine(line) {
  try {
    const v = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { invalid: line };
  } catch {
    return { invalid: line };
  }
}

/**
 * Feeds cases one at a time, waiting for each answer, until one gets no answer in time. Used
 * after a batch timed out: answers buffered in the stuck process are lost with it, so the case
 * that hangs can only be found by asking one case at a time.
 */
function runOneByOne(binParts, subcommand, lines) {
  return new Promise((resolve) => {
    const [program, ...args] = binParts;
    const child = spawn(program, [...args, subcommand, '--ndjson'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const answers = [];
    let pending = '';
    let timer;
    let done = false;
    const finish = (hung) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve({ lines: answers, hung });
    };
    const askNext = () => {
      if (answers.length >= lines.length) return finish(false);
      timer = setTimeout(() => finish(true), IDLE_TIMEOUT_MS);
      child.stdin.write(`${lines[answers.length]}\n`);
    };
    child.stdin.on('error', () => {});
    child.on('error', () => finish(false));
    child.on('close', () => finish(false));
    child.stdout.on('data', (d) => {
      pending += d;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        answers.push(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        clearTimeout(timer);
        askNext();
      }
    });
    askNext();
  });
}

/** Returns one result object per case. */
export async function runAmpline(bin, subcommand, cases) {
  const binParts = parseBin(bin);
  const lines = cases.map((c) => JSON.stringify(c));
  const results = [];
  let immediateCrashes = 0;
  while (results.length < cases.length) {
    const batch = await runOnce(binParts, subcommand, lines.slice(results.length));
    if (batch.spawnError) throw new Error(`cannot start ${bin}: ${batch.stderr} (build it with \`cargo build --release -p ampline\`, or pass --bin)`);
    const wanted = cases.length - results.length;
    for (const line of batch.lines.slice(0, wanted)) results.push(parseLine(line));
    if (results.length >= cases.length) break;
    if (batch.timedOut) {
      const probe = await runOneByOne(binParts, subcommand, lines.slice(results.length));
      for (const line of probe.lines) results.push(parseLine(line));
      if (probe.hung) results.push({ crash: `gave no answer for ${IDLE_TIMEOUT_MS / 1000} s on this case` });
      continue;
    }
    results.push({ crash: `exited with ${batch.signal ?? batch.code} before answering this case: ${crashMessage(batch.stderr)}` });
    immediateCrashes = batch.lines.length === 0 ? immediateCrashes + 1 : 0;
    if (immediateCrashes >= MAX_IMMEDIATE_CRASHES) {
      while (results.length < cases.length) results.push({ crash: `not run: ampline crashed on the first case ${MAX_IMMEDIATE_CRASHES} times in a row` });
    }
  }
  return results;
}

/** The panic message (the line naming the panic and the one after it), else stderr's tail. */
function crashMessage(stderr) {
  const lines = stderr.trim().split('\n');
  const at = lines.findIndex((l) => l.includes('panicked'));
  const picked = at >= 0 ? lines.slice(at, at + 2) : lines.slice(-3);
  // Thread ids vary from run to run; without them equal panics group together.
  return picked.map((l) => l.trim().replace(/^thread '([^']*)' \(\d+\)/, "thread '$1'")).join(' | ');
}
