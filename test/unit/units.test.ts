import { describe, expect, test } from "bun:test";
import { formatBytes, formatDuration, parseDurationMs, parseSizeBytes } from "../../src/config/units.ts";

describe("parseDurationMs", () => {
  test.each([
    ["250ms", 250],
    ["10s", 10_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["1.5s", 1500],
    [" 10s ", 10_000],
    ["0ms", 0],
    ["10S", null],
    ["-1s", null],
    ["1m30s", null],
    ["ten seconds", null],
    ["", null],
  ] as [string, number | null][])("%j → %p", (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  // SPEC §2: durations are strings or milliseconds, and the error message offers milliseconds;
  // `tend add --stop-timeout 5000` sends the string "5000". Sizes already take "100" as bytes.
  test("a string of digits is milliseconds, as a string of digits is bytes for sizes", () => {
    expect({ duration: parseDurationMs("5000"), size: parseSizeBytes("5000") }).toEqual({
      duration: 5000,
      size: 5000,
    });
  });
});

describe("parseSizeBytes", () => {
  test.each([
    ["100", 100],
    ["10MiB", 10 * 1024 ** 2],
    ["512KB", 512_000],
    ["1k", 1024],
    ["2G", 2 * 1024 ** 3],
    ["1.5KiB", 1536],
    ["10 MB", 10_000_000],
    ["1gb", 1_000_000_000],
    ["10XB", null],
    ["x", null],
    ["", null],
  ] as [string, number | null][])("%j → %p", (text, bytes) => {
    expect(parseSizeBytes(text)).toBe(bytes);
  });
});

describe("formatDuration", () => {
  test.each([
    [0, "0ms"],
    [999, "999ms"],
    [1000, "1s"],
    [59_999, "59s"],
    [60_000, "1m"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
    [3_660_000, "1h1m"],
    [86_400_000, "1d"],
    [90_000_000, "1d1h"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("formatBytes", () => {
  test.each([
    [0, "0B"],
    [1023, "1023B"],
    [1024, "1.0KiB"],
    [1536, "1.5KiB"],
    [1024 ** 2, "1.0MiB"],
    [1024 ** 3, "1.00GiB"],
  ])("%d → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
