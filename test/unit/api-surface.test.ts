import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generateSurface, SURFACE_FILE } from "../../scripts/surface.ts";
import type * as gen from "../../src/api/surface.gen.ts";
import { ROUTES } from "../../src/api/surface.gen.ts";
import { connect } from "../../src/client/index.ts";
import type * as shapes from "../../src/domain/shapes.ts";
import { REPO } from "../helpers/daemon.ts";

// src/api/surface.gen.ts is made from the route table and the zod shapes; nothing in it is
// written by hand, and it must be what the generator makes of them today.
test("src/api/surface.gen.ts is up to date (bun scripts/surface.ts writes it)", () => {
  expect(readFileSync(SURFACE_FILE, "utf8") === generateSurface()).toBe(true);
});

// The client's types (generated from JSON Schema) and the supervisor's (inferred by zod) are the
// same types: tsc fails this file if one drifts from the other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same: [
  Same<gen.ProcessSnapshot, shapes.ProcessSnapshot>,
  Same<gen.ProcessDetail, shapes.ProcessDetail>,
  Same<gen.ReplicaSet, shapes.ReplicaSet>,
  Same<gen.StartResult, shapes.StartResult>,
  Same<gen.EventRecord, shapes.EventRecord>,
  Same<gen.RunRecord, shapes.RunRecord>,
  Same<gen.LogEntry, shapes.LogEntry>,
  Same<gen.SupervisorInfo, shapes.SupervisorInfo>,
  Same<gen.ReloadPlan, shapes.ReloadPlan>,
  Same<gen.ApiError, shapes.ApiError>,
  Same<gen.HeapStats, shapes.HeapStats>,
] = [true, true, true, true, true, true, true, true, true, true, true];

test("the generated types are the inferred ones", () => {
  expect(same.every(Boolean)).toBe(true);
});

test("the client has a method for every route", () => {
  const client = connect({ socket: "/nonexistent/tend.sock" }) as unknown as Record<string, unknown>;
  // The streaming routes are served by logs() (one process's, or with null every one's) and events().
  const method = (name: string) => (name === "allLogs" ? "logs" : name);
  const missing = Object.keys(ROUTES).filter((name) => typeof client[method(name)] !== "function");
  expect(missing).toEqual([]);
});

test("the README's library example is examples/library.ts as it is (test/package runs that file)", () => {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const example = readFileSync(join(REPO, "examples/library.ts"), "utf8");
  expect(readme.includes(`\`\`\`ts\n${example}\`\`\``)).toBe(true);
});
