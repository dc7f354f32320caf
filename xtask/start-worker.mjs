// Starts a worker on workerd through wrangler's programmatic API, like `wrangler dev` but without
// its DevTools inspector proxy (which opens a loopback connection per runtime event and leaks them
// in workerd: a long fan-out runs out of file descriptors). Used by `cargo xtask bench fanout`.
// Usage: node xtask/start-worker.mjs '{"config":..,"port":..,"persist":..,"vars":{..}}'
import { unstable_startWorker } from "wrangler";

const o = JSON.parse(process.argv[2]);
const bindings = Object.fromEntries(
  Object.entries(o.vars).map(([name, value]) => [name, { type: "plain_text", value }]),
);
const worker = await unstable_startWorker({
  config: o.config,
  bindings,
  sendMetrics: false,
  dev: {
    remote: false,
    inspector: false,
    watch: false,
    liveReload: false,
    testScheduled: true,
    persist: o.persist,
    server: { hostname: "127.0.0.1", port: o.port },
    logLevel: "info",
  },
});
await worker.ready;
console.log(`ready on http://127.0.0.1:${o.port}`);
const stop = async () => {
  await worker.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
