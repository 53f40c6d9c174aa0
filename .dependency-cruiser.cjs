/**
 * Which way imports run in src/ (docs/DESIGN's "Which way imports run"), checked by
 * `npm test` (npm run deps). A rule names what must never be, and why.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import circle between files: each module can be read after what it imports.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-folder-circle",
      comment: "No import circle between the folders of src/server/: each is a layer of its own.",
      severity: "error",
      scope: "folder",
      from: { path: "^src/server/[^/]+$" },
      to: { path: "^src/server/[^/]+$", circular: true },
    },
    {
      name: "delivery-reads-one-way",
      comment:
        "router/ and rooms/ know no sessions, sockets or wire formats: they take ports (rooms/room-member.ts) that the session implements.",
      severity: "error",
      from: { path: "^src/server/(router|rooms)/" },
      to: {
        path: "^src/server/(session|gateway|handlers|dialects|compose)/|^src/server/node[.]ts$",
      },
    },
    {
      name: "dialects-at-the-edge",
      comment:
        "A dialect translates between a wire format and native commands and frames; it knows nothing of the core behind them.",
      severity: "error",
      from: { path: "^src/server/dialects/" },
      to: {
        path: "^src/server/(session|gateway|handlers|router|rooms|mailbox|broker|compose)/|^src/server/node[.]ts$",
      },
    },
    {
      name: "backends-know-no-routing",
      comment:
        "Stores and brokers carry and keep; they know nothing of routing, sessions or the edge.",
      severity: "error",
      from: { path: "^src/server/(mailbox|broker)/" },
      to: {
        path: "^src/server/(router|rooms|session|gateway|handlers|dialects|rules|compose)/|^src/server/node[.]ts$",
      },
    },
    {
      name: "authenticators-know-no-sessions",
      comment: "Authenticators are functions of credentials, not of sessions or connections.",
      severity: "error",
      from: { path: "^src/server/auth/" },
      to: { path: "^src/server/(session|gateway|handlers|dialects|router|rooms|compose)/" },
    },
    {
      name: "config-imports-no-domain",
      comment:
        "config/ checks shapes; each component owns its option type, and the composition root maps one to the other.",
      severity: "error",
      from: { path: "^src/server/config/" },
      to: { path: "^src/server/", pathNot: "^src/server/config/" },
    },
    {
      name: "only-metrics-imports-prom-client",
      comment: "Metrics are a small semantic interface; prom-client is its implementation.",
      severity: "error",
      from: { pathNot: "^src/server/metrics/" },
      to: { path: "node_modules/prom-client/" },
    },
    {
      name: "metrics-through-their-interface",
      comment:
        "Callers say what happened through metrics/metrics.ts; only the composition root picks the implementation.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/server/metrics/|^src/server/node[.]ts$" },
      to: { path: "^src/server/metrics/", pathNot: "^src/server/metrics/metrics[.]ts$" },
    },
    {
      name: "sdk-imports-no-server",
      comment:
        "The client SDK runs in browsers: it shares protocol/ with the server, nothing else.",
      severity: "error",
      from: { path: "^src/client/" },
      to: { path: "^src/(server|cli)/" },
    },
    {
      name: "protocol-imports-nothing",
      comment: "protocol/ is shared by server, SDK and CLI: it imports nothing but itself.",
      severity: "error",
      from: { path: "^src/protocol/" },
      to: { pathNot: "^src/protocol/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
