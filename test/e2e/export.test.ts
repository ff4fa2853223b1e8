import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, TEND_CMD } from "../helpers/daemon.ts";
import { validateStrict, yamlDocuments } from "../helpers/kubernetes-schemas.ts";
import { tempDir } from "../helpers/temp.ts";

// `tend export` as an operator runs it (the compiled binary in CI): files written, notes on
// stderr, stdout naming what was written.
async function tend(...args: string[]) {
  const p = Bun.spawn([...TEND_CMD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout as ReadableStream).text(),
    new Response(p.stderr as ReadableStream).text(),
    p.exited,
  ]);
  return { code, stdout, stderr };
}

test("tend export kubernetes and systemd of the stack example, by the binary", async () => {
  using dir = tempDir();
  const stack = join(REPO, "examples/stack.toml");
  const k8s = join(dir.path, "k8s");
  const k = await tend("export", "kubernetes", "-c", stack, "-o", k8s);
  expect({ code: k.code, stderr: k.stderr.split("\n")[0] }).toEqual({
    code: 0,
    stderr: "tend export kubernetes: not carried over exactly:",
  });
  const files = readdirSync(k8s).sort();
  expect(files).toEqual(["api.yaml", "cache.yaml", "migrate.yaml", "report.yaml", "worker.yaml"]);
  const problems = files.flatMap((f) =>
    yamlDocuments(readFileSync(join(k8s, f), "utf8")).flatMap((d) => validateStrict(d).problems),
  );
  expect(problems).toEqual([]);

  const units = join(dir.path, "units");
  const s = await tend("export", "systemd", "-c", stack, "-o", units, "--systemd-version", "252");
  expect(s.code).toBe(0);
  expect(s.stdout).toContain(`wrote ${join(units, "tend.target")}\n`);
  expect(readFileSync(join(units, "tend-report.timer"), "utf8")).toContain(
    "OnCalendar=*-*-* 02:30:00 Europe/Paris\n",
  );

  const refused = await tend("export", "kubernetes", "-c", join(REPO, "examples/tend.toml"), "-o", k8s);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('web: no image: add image = "…" to its table or give --image IMAGE');
});
