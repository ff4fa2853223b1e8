import { expect, test } from "bun:test";
import { buildConfig } from "../../src/config/load.ts";
import { fileNameOf, parseReplicaName } from "../../src/config/names.ts";
import { expandReplicas, readinessBudgetMs } from "../../src/supervisor/replicas.ts";

const config = buildConfig(
  "/etc/tend/tend.toml",
  {
    processes: {
      web: {
        command: ["serve"],
        instances: 3,
        port: 3000,
        env: { PORT: "1", A: "b" },
        readiness: { type: "http", url: "http://127.0.0.1:3000/ready", interval: "1s", timeout: "2s" },
        liveness: { type: "tcp", port: 3000 },
        startup: { type: "tcp", port: 9999 },
      },
      worker: { command: ["work"] },
    },
  },
  {},
);

test("instances = 3 becomes NAME:0..2, each with TEND_INSTANCE, PORT = port + i, its probes on its port", () => {
  const specs = expandReplicas(config.processes, (s) => s.instances ?? 1);
  expect(
    specs.map((s) => ({
      name: s.name,
      replica: s.replica,
      port: s.port,
      env: s.env,
      readiness: s.probes.readiness?.check,
      liveness: s.probes.liveness?.check,
      startup: s.probes.startup?.check,
    })),
  ).toEqual([
    ...[0, 1, 2].map((i) => ({
      name: `web:${i}`,
      replica: { of: "web", index: i },
      port: 3000 + i,
      env: { PORT: String(3000 + i), A: "b", TEND_INSTANCE: String(i) },
      readiness: expect.objectContaining({ url: `http://127.0.0.1:${3000 + i}/ready` }),
      liveness: { type: "tcp" as const, host: "127.0.0.1", port: 3000 + i },
      startup: { type: "tcp" as const, host: "127.0.0.1", port: 9999 }, // another port: left as written
    })),
    {
      name: "worker",
      replica: null,
      port: null,
      env: {},
      readiness: undefined,
      liveness: undefined,
      startup: undefined,
    },
  ]);
});

test("a scaled count is used as given", () => {
  expect(expandReplicas(config.processes, () => 5).map((s) => s.name)).toEqual([
    "web:0",
    "web:1",
    "web:2",
    "web:3",
    "web:4",
    "worker",
  ]);
});

test("replica names, and their file names", () => {
  expect(parseReplicaName("web:12")).toEqual({ of: "web", index: 12 });
  expect([
    parseReplicaName("web"),
    parseReplicaName("web:01"),
    parseReplicaName(":1"),
    parseReplicaName("a b:1"),
  ]).toEqual([null, null, null, null]);
  expect(fileNameOf("web:3")).toBe("web@3");
  expect(fileNameOf("worker")).toBe("worker");
});

test("the readiness budget of a rolling restart: startup's, then a pass and a failure of readiness, one timeout", () => {
  const web = config.processes[0];
  if (!web) throw new Error("no web");
  const s = web.probes.startup;
  const r = web.probes.readiness;
  if (!s || !r) throw new Error("probes missing");
  expect(readinessBudgetMs(web)).toBe(
    s.initialDelayMs +
      s.periodMs * s.failureThreshold +
      s.timeoutMs +
      r.initialDelayMs +
      r.periodMs * (r.successThreshold + r.failureThreshold) +
      r.timeoutMs,
  );
  expect(readinessBudgetMs(config.processes[1] as (typeof config.processes)[number])).toBeNull();
});
