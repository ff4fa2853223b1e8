import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import type { LogLine, StreamName } from "./line-stream.ts";
import { logFilesOf } from "./log-files.ts";

const MAX_READ_BYTES = 16 * 1024 * 1024;
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

// The last lines a process's log files hold, for when the ring cannot answer (after a restart of
// the supervisor, or for more than it keeps). `paths` are the current files of stdout and stderr
// (the same file when merged). `skip(path)` newest lines of each file are left out: the ring
// shows them. With timestamps on every line, stdout and stderr are merged by time; without,
// stdout's lines come first.
export function tailOnDisk(
  process: string,
  paths: Record<StreamName, string>,
  n: number,
  stream?: StreamName,
  skip: (path: string) => number = () => 0,
): LogLine[] {
  const merged = paths.stdout === paths.stderr;
  const streams: StreamName[] = merged || stream ? [stream ?? "stdout"] : ["stdout", "stderr"];
  const per = streams.map((s) => {
    const k = skip(paths[s]);
    const texts = tailFiles(logFilesOf(paths[s]), n + k);
    return texts.slice(0, Math.max(0, texts.length - k)).map((text) => fileLine(process, s, text));
  });
  const all = per.every((lines) => lines.every((l) => l.at > 0)) ? mergeByTime(per) : per.flat();
  return all.slice(Math.max(0, all.length - n));
}

// The last n lines of a set of files given oldest first (rotated ones, then the current one).
// Reads from the newest backwards and stops as soon as it has n lines.
export function tailFiles(files: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = files.length - 1; i >= 0 && out.length < n; i--) {
    const text = readTail(files[i] as string);
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    out.unshift(...lines.slice(Math.max(0, lines.length - (n - out.length))));
  }
  return out;
}

// A line from a file: its time is the one in its timestamp, when it has one.
function fileLine(process: string, stream: StreamName, text: string): LogLine {
  const at = STAMP.test(text) ? Date.parse(text.slice(0, 24)) : 0;
  return { process, stream, at: Number.isNaN(at) ? 0 : at, text };
}

// Lists each in its own order, merged by time: a line never moves ahead of an earlier one of
// its own stream, even if the clock went back.
function mergeByTime(lists: LogLine[][]): LogLine[] {
  const [a = [], b = []] = lists;
  const out: LogLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x && (!y || x.at <= y.at)) {
      out.push(x);
      i++;
    } else if (y) {
      out.push(y);
      j++;
    }
  }
  return out;
}

function readTail(path: string): string {
  try {
    if (path.endsWith(".gz")) return new TextDecoder().decode(Bun.gunzipSync(readFileSync(path)));
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, MAX_READ_BYTES);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return buf.toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}
