import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { FileWatcher, type WatchOptions } from "../../src/watch/file-watcher.ts";
import { staticPrefix } from "../../src/watch/globs.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { waitFor } from "../helpers/wait.ts";

// Waits (polling every 10 ms, 10 s at most) until `done()`; a time-out names what was expected
// and what `seen()` last returned.
function until(what: string, done: () => boolean, seen: () => string): Promise<true> {
  return waitFor(what, () => {
    if (done()) return true;
    throw new Error(seen());
  });
}

const DEBOUNCE_MS = 300;

let dir: string;
let open: FileWatcher[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tend-watch-"));
});

afterEach(() => {
  for (const w of open) w.close();
  open = [];
  rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text = String(Math.random())): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

function watcher(o: Partial<WatchOptions> & { patterns: string[] }) {
  const clock = new ManualClock();
  const events: string[] = [];
  const changes: string[] = [];
  const problems: string[] = [];
  const w = new FileWatcher({
    cwd: dir,
    ignore: [],
    debounceMs: DEBOUNCE_MS,
    clock,
    onChange: (f) => changes.push(f),
    onProblem: (m) => problems.push(m),
    onEvent: (f) => events.push(f),
    ...o,
  });
  open.push(w);
  w.start();
  const seenSoFar = () => `events so far: [${events.join(", ")}]`;
  // Until `file` has been seen `times` times in all.
  const seen = (file: string, times = 1) =>
    until(`${times} event(s) for ${file}`, () => events.filter((e) => e === file).length >= times, seenSoFar);
  const dirs = (n: number, what: string) =>
    until(
      `${n} watched directories (${what})`,
      () => w.directories === n,
      () => `${w.directories}`,
    );
  return { w, clock, events, changes, problems, seen, seenSoFar, dirs };
}

// Sentinel ordering: inotify delivers one process's events in order (Bun reads one inotify fd),
// so once an event for a file written *after* the one under test has arrived, an event for the
// file under test would have arrived before it. That turns "never triggers" into a wait on a
// condition rather than on time.
async function expectOnlySentinel(h: ReturnType<typeof watcher>, sentinel: string): Promise<void> {
  write(sentinel);
  await until(`the sentinel event for ${sentinel}`, () => h.events.includes(sentinel), h.seenSoFar);
  expect(h.events.filter((e) => e !== sentinel)).toEqual([]);
}

describe("staticPrefix", () => {
  test.each([
    ["src/**/*.ts", "src"],
    ["*.js", ""],
    ["**/*.ts", ""],
    ["src/app.ts", "src"],
    ["app.ts", ""],
    ["./src/*.ts", "src"],
    ["src/lib/{a,b}/*.ts", "src/lib"],
    ["src/[ab]/x.ts", "src"],
    ["src/x?/y.ts", "src"],
    ["a//b/**", "a/b"],
    ["../shared/**/*.ts", "../shared"],
    ["/etc/app/*.conf", "/etc/app"],
    ["/etc/app.conf", "/etc"],
    ["/*.conf", "/"],
  ])("%s → %j", (pattern, prefix) => {
    expect(staticPrefix(pattern)).toBe(prefix);
  });
});

describe("FileWatcher", () => {
  test("ten quick writes to one file: one onChange, with that file, after the debounce", async () => {
    write("src/a.ts", "v0");
    const h = watcher({ patterns: ["src/**/*.ts"] });
    for (let i = 1; i <= 10; i++) writeFileSync(join(dir, "src/a.ts"), `v${i}`);
    // Events are delivered on later turns of the event loop, so the first one seen arrives after
    // the last write returned (inotify had queued every write by then). Bun folds identical
    // events of one turn: 1 to 10 of them arrive.
    await h.seen("src/a.ts");
    expect(h.events.length).toBeGreaterThanOrEqual(1);
    expect(h.events.length).toBeLessThanOrEqual(10);
    expect(h.clock.pendingTimers).toBe(1);
    h.clock.advance(DEBOUNCE_MS - 1);
    expect(h.changes).toEqual([]);
    h.clock.advance(1);
    expect(h.changes).toEqual(["src/a.ts"]);
  });

  test("ten changes each observed: the timer is re-armed, onChange once with the last file", async () => {
    write("src/a.ts");
    write("src/b.ts");
    const h = watcher({ patterns: ["src/**/*.ts"] });
    for (let i = 0; i < 10; i++) {
      const file = i % 2 ? "src/b.ts" : "src/a.ts";
      const before = h.events.filter((e) => e === file).length;
      write(file, `v${i}`);
      await until(
        `event ${i + 1} (${file}) to be the last seen`,
        () => h.events.filter((e) => e === file).length > before && h.events.at(-1) === file,
        h.seenSoFar,
      );
      expect(h.clock.pendingTimers).toBe(1);
      h.clock.advance(DEBOUNCE_MS - 1); // never quiet for long enough
    }
    expect(h.events.length).toBeGreaterThanOrEqual(10);
    expect(h.changes).toEqual([]);
    h.clock.advance(1);
    expect(h.changes).toEqual(["src/b.ts"]);
    expect(h.clock.pendingTimers).toBe(0);
  });

  test("a file not matching the glob never triggers", async () => {
    write("src/keep.ts");
    const h = watcher({ patterns: ["src/**/*.ts"] });
    write("src/notes.md");
    write("src/a.tsx");
    write("other.ts"); // outside src
    await expectOnlySentinel(h, "src/sentinel.ts");
  });

  test("ignored globs, node_modules and .git never trigger and are not watched", async () => {
    write("src/keep.ts");
    write("src/gen/out.ts");
    write("src/node_modules/pkg/index.ts");
    write("src/.git/hooks/x.ts");
    const h = watcher({ patterns: ["src/**/*.ts"], ignore: ["src/gen/**", "**/*.test.ts"] });
    expect(h.w.directories).toBe(1); // src only
    write("src/a.test.ts");
    write("src/gen/out.ts");
    write("src/node_modules/pkg/index.ts");
    write("src/.git/hooks/x.ts");
    write("src/lib/node_modules/pkg/index.ts"); // a node_modules tree appearing after start
    await expectOnlySentinel(h, "src/sentinel.ts");
    expect(h.w.directories).toBe(2); // src, src/lib
  });

  test("a subdirectory created after start is watched; removing it drops its watcher", async () => {
    write("src/a.ts");
    const h = watcher({ patterns: ["src/**/*.ts"] });
    expect(h.w.directories).toBe(1);
    mkdirSync(join(dir, "src/sub"));
    await h.dirs(2, "src and src/sub");
    expect(h.events).toEqual([]); // an empty directory is not a change
    write("src/sub/x.ts");
    await h.seen("src/sub/x.ts");
    h.clock.advance(DEBOUNCE_MS);
    expect(h.changes).toEqual(["src/sub/x.ts"]);
    rmSync(join(dir, "src/sub"), { recursive: true });
    await h.dirs(1, "src/sub's watcher dropped");
  });

  test("a tree created at once after start: files written before its watchers existed count", async () => {
    write("src/a.ts");
    const h = watcher({ patterns: ["src/**/*.ts"] });
    write("src/x/y/z/deep.ts"); // mkdir -p and write before the first event is handled
    await h.seen("src/x/y/z/deep.ts");
    expect(h.w.directories).toBe(4);
    write("src/x/y/z/later.ts");
    await h.seen("src/x/y/z/later.ts");
  });

  test("a missing root is watched for from its nearest existing ancestor", async () => {
    const alone = watcher({ patterns: ["gen/out/**/*.ts"] });
    expect(alone.problems).toEqual([]);
    expect(alone.w.directories).toBe(1); // cwd, waiting for gen
    // With *.md, cwd is watched for its own files too, so each step shows in the count.
    const h = watcher({ patterns: ["gen/out/**/*.ts", "*.md"] });
    expect(h.w.directories).toBe(1);
    mkdirSync(join(dir, "gen"));
    await h.dirs(2, "cwd, and gen waiting for out");
    mkdirSync(join(dir, "gen/out"));
    mkdirSync(join(dir, "gen/out/sub"));
    await h.dirs(3, "cwd, gen/out, gen/out/sub");
    write("gen/out/sub/a.ts");
    await h.seen("gen/out/sub/a.ts");
    // Removed and created again at once: back to waiting, then walked, its file counted.
    rmSync(join(dir, "gen"), { recursive: true });
    await h.dirs(1, "cwd only");
    write("gen/out/b.ts");
    await h.seen("gen/out/b.ts");
    await alone.seen("gen/out/b.ts");
    expect([...new Set(alone.events)]).toEqual(["gen/out/sub/a.ts", "gen/out/b.ts"]);
  });

  test("atomic saves (write a temp file, rename over) and deletions trigger", async () => {
    write("src/a.ts");
    write("src/b.ts");
    const h = watcher({ patterns: ["src/**/*.ts"] });
    writeFileSync(join(dir, "src/a.ts.tmp"), "new");
    renameSync(join(dir, "src/a.ts.tmp"), join(dir, "src/a.ts"));
    await h.seen("src/a.ts");
    unlinkSync(join(dir, "src/b.ts"));
    await h.seen("src/b.ts");
  });

  test("directories are watched once, however many patterns cover them, and only as deep as needed", () => {
    for (const f of ["src/a.ts", "src/x/b.ts", "src/x/y/c.ts", "docs/d.md"]) write(f);
    expect(watcher({ patterns: ["src/**/*.ts", "src/**/*.js", "**/*.md"] }).w.directories).toBe(5);
    expect(watcher({ patterns: ["*.ts"] }).w.directories).toBe(1);
    expect(watcher({ patterns: ["src/*/*.ts"] }).w.directories).toBe(2); // src and src/x
    expect(watcher({ patterns: ["src/x/b.ts", "src/a.ts"] }).w.directories).toBe(2);
  });

  test("close() cancels the pending debounce and closes every fs watcher", async () => {
    write("src/a.ts");
    const h = watcher({ patterns: ["src/**/*.ts"] });
    const other = watcher({ patterns: ["src/**/*.ts"] }); // stays open: the sentinel observer
    write("src/a.ts");
    await h.seen("src/a.ts");
    expect(h.clock.pendingTimers).toBe(1);
    h.w.close();
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.w.directories).toBe(0);
    write("src/after-close.ts");
    await other.seen("src/after-close.ts");
    expect(h.events).not.toContain("src/after-close.ts");
    h.clock.advance(DEBOUNCE_MS);
    expect(h.changes).toEqual([]);
  });

  test("patterns that can never trigger are reported", () => {
    write("src/a.ts");
    write("node_modules/pkg/a.js");
    const h = watcher({ patterns: ["src", "node_modules/pkg/*.js", "dist/**"], ignore: ["dist"] });
    expect(h.problems).toEqual([
      'watch pattern "src" names a directory and matches no file; use "src/**"',
      'watch pattern "node_modules/pkg/*.js" lies under node_modules or .git, which never trigger',
      'watch pattern "dist/**" lies under a directory matched by watch_ignore',
    ]);
  });

  // ENOSPC needs a low inotify watch limit; a user namespace has its own, settable without
  // touching the host's (/proc/sys/user/max_inotify_watches).
  const canUnshare = Bun.spawnSync(["unshare", "-U", "-r", "true"], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  test.skipIf(canUnshare.exitCode !== 0)(
    "running out of inotify watches is reported, naming a directory",
    () => {
      for (let i = 0; i < 5; i++) write(`src/d${i}/a.ts`);
      const script = join(dir, "probe.ts");
      writeFileSync(
        script,
        `import { FileWatcher } from ${JSON.stringify(resolve(import.meta.dir, "../../src/watch/file-watcher.ts"))};
       const problems: string[] = [];
       const w = new FileWatcher({ cwd: ${JSON.stringify(dir)}, patterns: ["src/**/*.ts"], ignore: [], debounceMs: 0,
         clock: { nowMs: () => 0, wallMs: () => 0, after: () => ({ cancel() {} }) },
         onChange() {}, onProblem: (m) => problems.push(m) });
       w.start();
       console.log(JSON.stringify({ directories: w.directories, problems }));
       w.close();`,
      );
      // sh -c's $0 and $1: bun and the script.
      const run = Bun.spawnSync(
        [
          "unshare",
          "-U",
          "-r",
          "sh",
          "-c",
          'echo 3 > /proc/sys/user/max_inotify_watches && exec "$0" "$1"',
          process.execPath,
          script,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      expect(run.stderr.toString()).toBe("");
      const out = JSON.parse(run.stdout.toString()) as { directories: number; problems: string[] };
      expect(out.directories).toBe(3);
      expect(out.problems).toHaveLength(1);
      expect(out.problems[0]).toMatch(/^cannot watch 3 directories \(first \/.*\/src\/d\d\): ENOSPC/);
      expect(out.problems[0]).toContain("max_user_watches");
    },
  );
});
