import { type Dirent, existsSync, type FSWatcher, lstatSync, readdirSync, statSync, watch } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import type { Clock, TimerHandle } from "../clock.ts";
import {
  compile,
  GLOB_META,
  type Glob,
  matchesAny,
  normalizePattern,
  reachOf,
  staticPrefix,
} from "./globs.ts";

// Restart-on-change for `watch = ["src/**/*.ts"]`: inotify through node:fs `watch(dir)`, one
// non-recursive watcher per directory (Bun keeps one inotify fd per process and one inotify watch
// per directory). The tree is walked from each pattern's static prefix, never polled.
//
// What Bun 1.4's fs.watch does on Linux, which the code below relies on (checked by experiment):
// - events are "rename" (create, delete, move in or out) and "change" (write, chmod, utimes);
//   `filename` is relative to the watched directory. An atomic save (write tmp, rename over the
//   target) reports "rename" for the target's name.
// - events on the watched directory itself (chmod, deletion, being moved) carry the directory's
//   own basename, not null; a moved directory keeps reporting under its old path (inotify watches
//   the inode). So a "rename" is followed by a check that the directory is still the same inode.
// - identical events in one event-loop turn are folded: ten quick writes to a file can arrive as
//   one "change". Counting events is meaningless; the debounce only needs one.
// - watch() throws synchronously: ENOENT, ENOSPC (fs.inotify.max_user_watches reached), EACCES.
// - a null/undefined filename is documented by node for "cannot tell"; not seen on Linux, handled
//   by rescanning that directory.

export interface WatchOptions {
  cwd: string;
  // Globs relative to cwd (Bun.Glob syntax); an absolute glob matches absolute paths.
  patterns: string[];
  // A file matching one never triggers; a directory matching one (as "dir" or "dir/") is not
  // walked. node_modules and .git are always skipped.
  ignore: string[];
  debounceMs: number;
  clock: Clock;
  // Once per quiet period: the last matching file that changed, relative to cwd. Called from a
  // clock timer, so it must not throw.
  onChange: (file: string) => void;
  // What could not be watched (the directory named) and patterns that can never match.
  onProblem: (message: string) => void;
  // Every matching change as it arrives, before the debounce (for tests and logs).
  onEvent?: (file: string) => void;
}

const ALWAYS_SKIPPED = new Set(["node_modules", ".git"]);

// reach: subdirectory levels covered below this directory (0 = its files only); -1 = watched only
// to see a missing root (or the next directory on its path) appear.
interface Entry {
  watcher: FSWatcher;
  reach: number;
  ino: number;
}

interface Root {
  dir: string;
  reach: number;
}

type Failures = Map<string, { first: string; count: number; message: string }>;

const HINTS: Record<string, string> = {
  ENOSPC:
    " (the inotify watch limit fs.inotify.max_user_watches is reached: raise it, or narrow watch / add watch_ignore)",
  EMFILE: " (too many open files or inotify instances: fs.inotify.max_user_instances / ulimit -n)",
  EACCES: " (permission denied)",
};

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "ERROR";
}

// Roots and watched directories are followed through symlinks; a symlink found inside the tree is
// not (as in the walk, whose Dirent.isDirectory() is false for one): no cycles, no escaping.
function isDirectory(path: string, followSymlink = true): { ino: number } | null {
  const st = (followSymlink ? statSync : lstatSync)(path, { throwIfNoEntry: false });
  return st?.isDirectory() ? { ino: st.ino } : null;
}

export class FileWatcher {
  private readonly o: WatchOptions;
  private readonly cwd: string;
  private readonly globs: Glob[];
  private readonly ignores: Glob[];
  private readonly roots: Root[] = [];
  private readonly entries = new Map<string, Entry>();
  private timer: TimerHandle | null = null;
  private lastFile: string | null = null;
  private started = false;
  private closed = false;

  constructor(o: WatchOptions) {
    this.o = o;
    this.cwd = resolve(o.cwd);
    this.globs = compile(o.patterns);
    this.ignores = compile(o.ignore);
  }

  // Watched directories (subtree ones and those waiting for a missing root to appear).
  get directories(): number {
    return this.entries.size;
  }

  // Walks and watches synchronously: when start() returns, every existing directory is watched.
  start(): void {
    if (this.started || this.closed) throw new Error("FileWatcher.start() called twice or after close()");
    this.started = true;
    const byDir = new Map<string, number>();
    for (const pattern of this.o.patterns) {
      const dir = resolve(this.cwd, staticPrefix(pattern));
      const rel = relative(this.cwd, dir);
      if (rel.split(sep).some((s) => ALWAYS_SKIPPED.has(s))) {
        this.o.onProblem(`watch pattern "${pattern}" lies under node_modules or .git, which never trigger`);
        continue;
      }
      if (this.ignoredPath(dir)) {
        this.o.onProblem(`watch pattern "${pattern}" lies under a directory matched by watch_ignore`);
        continue;
      }
      if (!GLOB_META.test(pattern) && isDirectory(resolve(this.cwd, normalizePattern(pattern)))) {
        this.o.onProblem(
          `watch pattern "${pattern}" names a directory and matches no file; use "${normalizePattern(pattern).replace(/\/+$/, "")}/**"`,
        );
      }
      byDir.set(dir, Math.max(byDir.get(dir) ?? 0, reachOf(pattern)));
    }
    for (const [dir, reach] of byDir) this.roots.push({ dir, reach });
    this.refreshRoots(false);
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    for (const e of this.entries.values()) e.watcher.close();
    this.entries.clear();
  }

  // Makes every root watched: walks the ones that exist (reporting their files as changes when
  // `report`: they appeared after start), and for each missing one watches its nearest existing
  // ancestor. Ancestor watchers no longer needed are closed.
  private refreshRoots(report: boolean): void {
    const needed = new Set<string>();
    for (const root of this.roots) {
      if ((this.entries.get(root.dir)?.reach ?? -1) >= root.reach) continue;
      if (isDirectory(root.dir)) {
        this.walk(root.dir, root.reach, report);
        continue;
      }
      let ancestor = dirname(root.dir);
      while (!isDirectory(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
      needed.add(ancestor);
      if (!this.entries.has(ancestor)) this.walk(ancestor, -1, false);
    }
    for (const [dir, e] of this.entries) {
      if (e.reach === -1 && !needed.has(dir)) {
        e.watcher.close(); // this one only: what is under it belongs to the root that appeared
        this.entries.delete(dir);
      }
    }
  }

  private skipDir(dir: string): boolean {
    if (ALWAYS_SKIPPED.has(basename(dir))) return true;
    const rel = relative(this.cwd, dir);
    if (rel === "") return false;
    return matchesAny(this.ignores, dir, rel) || matchesAny(this.ignores, dir, rel, "/");
  }

  // `dir` or one of its ancestors up to cwd is skipped (only paths inside cwd are checked).
  private ignoredPath(dir: string): boolean {
    for (
      let d = dir;
      relative(this.cwd, d) !== "" && !relative(this.cwd, d).startsWith("..");
      d = dirname(d)
    ) {
      if (this.skipDir(d)) return true;
    }
    return false;
  }

  private walk(start: string, reach: number, report: boolean): void {
    const failures: Failures = new Map();
    const stack: Root[] = [{ dir: start, reach }];
    while (stack.length) {
      const { dir, reach } = stack.pop()!;
      if (reach >= 0 && this.skipDir(dir)) continue;
      const known = this.entries.get(dir);
      if (known && known.reach >= reach) continue;
      if (known) known.reach = reach;
      else if (!this.watchDir(dir, reach, failures)) continue;
      if (reach < 0) continue;
      let names: Dirent[];
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        // Gone since it was watched: its own "rename" event drops it; nothing to report.
        if (errorCode(err) !== "ENOENT") this.fail(failures, dir, err);
        continue;
      }
      for (const d of names) {
        const path = join(dir, d.name);
        if (d.isDirectory()) {
          if (reach > 0) stack.push({ dir: path, reach: reach - 1 });
        } else if (report && !known) this.fileChanged(path);
      }
    }
    for (const [code, f] of failures) {
      const what = f.count === 1 ? f.first : `${f.count} directories (first ${f.first})`;
      this.o.onProblem(`cannot watch ${what}: ${f.message}${HINTS[code] ?? ""}`);
    }
  }

  private fail(failures: Failures, dir: string, err: unknown): void {
    const code = errorCode(err);
    const f = failures.get(code);
    if (f) f.count++;
    else
      failures.set(code, { first: dir, count: 1, message: err instanceof Error ? err.message : String(err) });
  }

  private watchDir(dir: string, reach: number, failures: Failures): boolean {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) return false; // removed (or replaced by a file) during the walk
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (event, filename) => {
        if (this.entries.get(dir) === entry) this.onFsEvent(dir, entry, event, filename);
      });
    } catch (err) {
      // ENOENT: removed between the stat and the watch; the parent's event covers it.
      if (errorCode(err) !== "ENOENT") this.fail(failures, dir, err);
      return false;
    }
    const entry: Entry = { watcher, reach, ino: st.ino };
    watcher.on("error", (err) => {
      if (this.entries.get(dir) !== entry) return;
      this.o.onProblem(`watching ${dir} failed, no longer watched: ${err.message}`);
      this.drop(dir);
    });
    this.entries.set(dir, entry);
    return true;
  }

  // Closes the watchers of `dir` and of everything under it.
  private drop(dir: string): void {
    const under = dir + sep;
    for (const [path, e] of this.entries) {
      if (path === dir || path.startsWith(under)) {
        e.watcher.close();
        this.entries.delete(path);
      }
    }
  }

  private onFsEvent(dir: string, entry: Entry, event: string, filename: string | null | undefined): void {
    if (this.closed) return;
    if (filename == null) {
      this.rescan(dir, entry);
      return;
    }
    const path = join(dir, filename);
    if (event === "rename") {
      // The watched directory itself was deleted or moved away (its events carry its own name).
      if (isDirectory(dir)?.ino !== entry.ino) {
        this.drop(dir);
        this.refreshRoots(true);
        return;
      }
      if (isDirectory(path, false)) {
        this.newDirectory(path, entry);
        return;
      }
      if (this.entries.has(path)) {
        // A watched subdirectory went away (its own event, carrying its name, does the same).
        this.drop(path);
        this.refreshRoots(true);
        return;
      }
    } else if (filename === basename(dir) && !existsSync(path)) {
      return; // chmod/utimes of the watched directory itself
    }
    if (entry.reach >= 0) this.fileChanged(path, event === "change");
  }

  private newDirectory(path: string, parent: Entry): void {
    if (parent.reach > 0) this.walk(path, parent.reach - 1, true);
    if (this.roots.some((r) => (this.entries.get(r.dir)?.reach ?? -1) < r.reach)) this.refreshRoots(true);
  }

  // After an event without a filename: whatever appeared or vanished in `dir`.
  private rescan(dir: string, entry: Entry): void {
    if (isDirectory(dir)?.ino !== entry.ino) {
      this.drop(dir);
    } else if (entry.reach > 0) {
      for (const path of this.entries.keys()) {
        if (dirname(path) === dir && !isDirectory(path)) this.drop(path);
      }
      let names: Dirent[] = [];
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        // ENOENT: removed meanwhile; its own "rename" event drops it.
        if (errorCode(err) !== "ENOENT") this.o.onProblem(`cannot read ${dir}: ${(err as Error).message}`);
      }
      for (const d of names) {
        if (d.isDirectory()) this.walk(join(dir, d.name), entry.reach - 1, true);
      }
    }
    this.refreshRoots(true);
  }

  // `maybeDirectory`: a "change" event, which also comes for chmod/utimes of a subdirectory.
  private fileChanged(path: string, maybeDirectory = false): void {
    const rel = relative(this.cwd, path);
    if (rel.split(sep).some((s) => ALWAYS_SKIPPED.has(s))) return;
    if (!matchesAny(this.globs, path, rel) || matchesAny(this.ignores, path, rel)) return;
    if (maybeDirectory && isDirectory(path)) return;
    this.o.onEvent?.(rel);
    this.lastFile = rel;
    this.timer?.cancel();
    this.timer = this.o.clock.after(this.o.debounceMs, () => {
      this.timer = null;
      const file = this.lastFile!;
      this.lastFile = null;
      this.o.onChange(file);
    });
  }
}
