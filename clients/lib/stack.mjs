// Starts the processes a client test talks to: `ampline mock-amplitude` on a free loopback port and
// `ampline serve` pointed at it, with a temporary configuration and data directory. Everything it
// starts is stopped by `stop()`, and killed on process exit should a test forget.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

export const CLIENTS_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.dirname(CLIENTS_DIR);

/** The binary under test: `AMPLINE_BIN`, else the release build. */
export function amplineBin() {
  const bin = process.env.AMPLINE_BIN || path.join(REPO_ROOT, 'target', 'release', 'ampline');
  if (!existsSync(bin)) {
    throw new Error(
      `ampline binary not found at ${bin}: build it (cargo build --release -p ampline) or set AMPLINE_BIN`,
    );
  }
  return bin;
}

const running = new Set();
const tempDirs = new Set();
function killAll() {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killAll);
// A signal's default action skips 'exit' handlers: stop the children first, then die as asked.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/**
 * A child process whose output is kept (bounded) for the failure message; with `readStdout`, the
 * caller reads standard output itself (the mock's URL line).
 */
function start(args, name, { readStdout = false } = {}) {
  const child = spawn(amplineBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const state = { child, name, log: '', exited: null };
  const keep = (chunk) => {
    state.log = (state.log + chunk.toString()).slice(-20_000);
  };
  child.stderr.on('data', keep);
  if (!readStdout) child.stdout.on('data', keep);
  child.on('exit', (code, signal) => {
    running.delete(child);
    state.exited = { code, signal };
  });
  child.on('error', (error) => {
    running.delete(child);
    state.exited = { error };
  });
  return state;
}

async function stopProcess(state) {
  const { child } = state;
  if (state.exited || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The first line a process prints on stdout (the mock prints its URL), within `ms`. */
function firstLine(state, ms) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => finish(new Error(`${state.name} printed no line within ${ms} ms`)), ms);
    const onData = (chunk) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline >= 0) finish(null, text.slice(0, newline).trim());
    };
    const onExit = () => finish(new Error(`${state.name} exited before printing its URL:\n${state.log}`));
    function finish(error, line) {
      clearTimeout(timer);
      state.child.stdout.off('data', onData);
      state.child.off('exit', onExit);
      // Keep draining stdout so the child never blocks on a full pipe.
      state.child.stdout.resume();
      if (error) reject(error);
      else resolve(line);
    }
    state.child.stdout.on('data', onData);
    state.child.once('exit', onExit);
  });
}

/** `count` distinct loopback ports nobody listens on right now (the OS picks them). */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
  }
}

/**
 * Polls `probe` until it returns a value other than `undefined`, or throws once `ms` have passed,
 * with the last error (or `describe()`) in the message.
 */
export async function until(probe, { ms = 20_000, every = 100, what = 'condition', describe } = {}) {
  const deadline = Date.now() + ms;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError ? `: ${lastError.message}` : describe ? `: ${await describe()}` : '';
      throw new Error(`timed out after ${ms} ms waiting for ${what}${detail}`);
    }
    await delay(every);
  }
}

/** Answers once the HTTP server at `url` answers anything (any status). */
async function waitForHttp(url, state, ms) {
  await until(
    async () => {
      if (state.exited) throw new Error(`${state.name} exited (${JSON.stringify(state.exited)}):\n${state.log}`);
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return true;
    },
    { ms, what: `${state.name} at ${url}` },
  );
}

function tomlString(text) {
  return JSON.stringify(text); // a JSON string is a valid TOML basic string for the text used here
}

/**
 * Starts a mock Amplitude with `projects` ({name: apiKey}) and one `ampline serve` per entry of
 * `servers`: {name, writeKey, apiKey, mappings?} where `mappings` is TOML text appended to the
 * configuration (none: the presets apply).
 */
export async function startStack({ projects, servers }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ampline-clients-'));
  tempDirs.add(dir);
  const processes = [];
  const stack = {
    dir,
    mock: null,
    servers: {},
    async stop() {
      await Promise.all(processes.map(stopProcess));
      await rm(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
    /** Everything the processes wrote on stderr, for a failure message. */
    logs() {
      return processes.map((p) => `--- ${p.name} ---\n${p.log}`).join('\n');
    },
  };
  try {
    const mockArgs = ['mock-amplitude', '--port', '0'];
    for (const [name, key] of Object.entries(projects)) mockArgs.push('--api-key', `${name}=${key}`);
    const mock = start(mockArgs, 'mock-amplitude', { readStdout: true });
    processes.push(mock);
    const url = await firstLine(mock, 20_000);
    const match = /https?:\/\/\S+/.exec(url);
    if (!match) throw new Error(`mock-amplitude printed no URL: ${url}`);
    stack.mock = match[0].replace(/\/$/, '');
    await waitForHttp(`${stack.mock}/_mock/health`, mock, 20_000);

    for (const server of servers) {
      const config = [
        '[[sources]]',
        `name = ${tomlString(server.name)}`,
        `write_key = ${tomlString(server.writeKey)}`,
        '',
        '[destination]',
        `api_key = ${tomlString(server.apiKey)}`,
        '',
        server.mappings ?? '',
      ].join('\n');
      const configPath = path.join(dir, `${server.name}.toml`);
      await writeFile(configPath, config);
      stack.servers[server.name] = await startServe(
        server.name,
        configPath,
        path.join(dir, `${server.name}-data`),
        stack.mock,
        processes,
      );
    }
    return stack;
  } catch (error) {
    const logs = stack.logs();
    await stack.stop();
    error.message += `\n${logs}`;
    throw error;
  }
}

/** `ampline serve` on a free port; a port taken between choosing and binding is retried. */
async function startServe(name, configPath, dataDir, mockUrl, processes) {
  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    const [port, adminPort] = await freePorts(2);
    const listen = `127.0.0.1:${port}`;
    const admin = `127.0.0.1:${adminPort}`;
    const state = start(
      [
        'serve',
        '--config',
        configPath,
        '--data-dir',
        dataDir,
        '--listen',
        listen,
        '--admin-listen',
        admin,
        '--amplitude-url',
        mockUrl,
      ],
      `serve ${name}`,
    );
    processes.push(state);
    try {
      await waitForHttp(`http://${listen}/`, state, 20_000);
      return `http://${listen}`;
    } catch (error) {
      lastError = error;
      await stopProcess(state);
      if (!(state.exited && /in use|AddrInUse/i.test(state.log))) break;
    }
  }
  throw lastError;
}

/** GET a `/_mock/...` query and return its JSON. */
export async function mockQuery(mockUrl, pathAndQuery) {
  const response = await fetch(`${mockUrl}${pathAndQuery}`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${pathAndQuery}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** How many records of `kind` (`events`, `identifies`, …) the mock holds that match `filter`. */
export async function countAt(mockUrl, kind, filter) {
  return (await mockQuery(mockUrl, `/_mock/${kind}?${new URLSearchParams(filter)}`)).count;
}

/** How many records of each kind the mock holds in `project`. */
export async function projectCounts(mockUrl, project) {
  const counts = {};
  for (const kind of ['events', 'identifies', 'groupidentifies', 'usermaps']) {
    counts[kind] = await countAt(mockUrl, kind, { project });
  }
  return counts;
}
