import { Cron } from "croner";

// Schedules are 5-field cron expressions (minute hour day-of-month month day-of-week) or one of
// the nicknames @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly, read by
// croner. Day of month and day of week together mean either (Vixie cron's OR). Times are of
// `timezone` (an IANA name) or, without one, of the host's zone.
//
// Daylight-saving time, as croner (and Vixie cron) handle it: a fixed-time job (one value in
// minute and hour, "30 2 * * *") whose time is skipped by the spring change runs at the first
// valid time after the gap that day, and when the time occurs twice (autumn) it runs once, at
// the first. An interval job ("*/15 * * * *", "0 1,2 * * *") skips times in the gap and runs
// on both occurrences of a repeated hour.

const NICKNAMES = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

export function cronProblem(text: string): string | null {
  const fields = text.trim().split(/\s+/);
  const nickname = fields.length === 1 && fields[0]?.startsWith("@");
  if (nickname && !NICKNAMES.has((fields[0] as string).toLowerCase()))
    return `unknown nickname "${fields[0]}": expected one of ${[...NICKNAMES].join(", ")}`;
  if (!nickname && fields.length !== 5)
    return `expected 5 fields (minute hour day-of-month month day-of-week) like "0 3 * * *", got ${fields.length}`;
  try {
    // A day that never comes ("0 3 31 2 *") would make a schedule that never fires.
    if (new Cron(text, { paused: true }).nextRun() === null)
      return "this expression names no time that ever comes";
    return null;
  } catch (err) {
    return `not a cron expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export function timezoneProblem(tz: string): string | null {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return null;
  } catch {
    // The RangeError's text varies by engine; the message below says what was expected.
    return `unknown time zone "${tz}": expected an IANA name like "Europe/Paris" or "UTC"`;
  }
}

// The first time after `afterWallMs` (epoch ms) the expression names; null when there is none.
export function nextOccurrence(
  expression: string,
  timezone: string | null,
  afterWallMs: number,
): number | null {
  const cron = new Cron(expression, { paused: true, ...(timezone ? { timezone } : {}) });
  return cron.nextRun(new Date(afterWallMs))?.getTime() ?? null;
}
