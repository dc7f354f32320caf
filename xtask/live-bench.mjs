// The client side of `cargo xtask bench live`: N readers of one page, either holding live sockets
// or polling banner.json, timing when each sees a change. Driven over stdin/stdout by the xtask:
// it prints `ready` once every reader holds the current view, reads one line with the times the
// publish was sent and returned (ms since the epoch), and prints one JSON line with each reader's
// delay after the answer (0 when it saw the change first) and after the request.
// Usage: node --experimental-websocket xtask/live-bench.mjs '{"mode":"live"|"poll","base":..,"page":..,"n":..,"pollSecs":..}'
import { createInterface } from "node:readline";

const o = JSON.parse(process.argv[2]);
const now = () => performance.timeOrigin + performance.now();
const seen = new Array(o.n).fill(0);
let baseline = null;
let publishedAt = null;
let requestedAt = null;
const lines = createInterface({ input: process.stdin });
lines.on("line", (l) => {
  const [start, end] = l.trim().split(" ").map(Number);
  requestedAt = start;
  publishedAt = end;
  finishIfDone();
});
let remaining = o.n;
let done = false;
function saw(i) {
  if (seen[i] === 0) {
    seen[i] = now();
    remaining -= 1;
    finishIfDone();
  }
}
function finishIfDone() {
  if (done || publishedAt === null || remaining > 0) return;
  done = true;
  const delays = seen.map((t) => Math.max(0, t - publishedAt));
  const fromStart = seen.map((t) => t - requestedAt);
  report({ received: o.n, delays, fromStart });
}
// Prints one JSON line (times to 0.1 ms) and exits once it is written: a pipe takes it in parts.
function report(answer) {
  const line = JSON.stringify(answer, (_, v) => (typeof v === "number" ? Math.round(v * 10) / 10 : v));
  process.stdout.write(`${line}\n`, () => process.exit(0));
}
setTimeout(() => {
  const delays = seen.filter((t) => t > 0).map((t) => Math.max(0, t - (publishedAt ?? t)));
  report({ received: o.n - remaining, delays });
}, (o.timeoutSecs ?? 120) * 1000).unref();

async function live() {
  const url = o.base.replace(/^http/, "ws") + `/v1/pages/${o.page}/live`;
  let ready = 0;
  const open = (i) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      let first = true;
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (first) {
          first = false;
          if (baseline === null) baseline = m.summary;
          ready += 1;
          resolve(ws);
        } else if (m.summary !== baseline) {
          saw(i);
        }
      };
      ws.onerror = () => reject(new Error(`socket ${i} failed`));
    });
  // Opened in batches so the runtime is not asked for thousands of upgrades at once.
  for (let i = 0; i < o.n; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, o.n - i) }, (_, k) => open(i + k)));
  }
  console.log(`ready ${ready}`);
}

// The first read, tried again when the runtime is slow to answer (it may still be closing the
// previous phase's sockets).
async function firstRead(url) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      if (attempt >= 6) throw e;
    }
  }
}

async function poll() {
  const url = `${o.base}/v1/pages/${o.page}/banner.json`;
  const first = await firstRead(url);
  const etag = first.headers.get("etag");
  await first.text();
  const every = o.pollSecs * 1000;
  for (let i = 0; i < o.n; i++) {
    // Each reader polls at the advised interval from a random phase, as widgets do.
    const tick = async () => {
      if (seen[i] !== 0) return;
      try {
        const r = await fetch(url, { headers: { "if-none-match": etag } });
        await r.arrayBuffer();
        if (r.status === 200 && r.headers.get("etag") !== etag) saw(i);
      } catch (_) {}
      if (seen[i] === 0) setTimeout(tick, every);
    };
    setTimeout(tick, Math.random() * every);
  }
  // Every reader is polling in its phase once one interval has passed.
  setTimeout(() => console.log(`ready ${o.n}`), every);
}

await (o.mode === "live" ? live() : poll());
