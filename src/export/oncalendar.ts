// A tend schedule (5-field cron or a nickname, read as croner reads it) as systemd OnCalendar=
// lines. Each field is expanded to the exact set of values it names and written back in
// systemd's syntax, so nothing is approximated: either the lines name the same times, or the
// expression is refused with the reason. Day of month and day of week both restricted mean
// either (cron's OR); OnCalendar ANDs them, so that case becomes two lines, whose union systemd
// takes.

export type Calendar = { lines: string[] } | { problem: string };

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const SYSTEMD_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[]; // names for min, min+1, …
}

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 0, max: 7, names: DAYS },
];

// A cron expression read field by field: the values each field names, and which of day of
// month and day of week were written as "*" (or "?"), which decides AND or OR between them.
interface ReadCron {
  minutes: number[];
  hours: number[];
  doms: number[];
  months: number[];
  dows: number[]; // 0-6, Sunday 0
  domStar: boolean;
  dowStar: boolean;
}

function readCron(expression: string): ReadCron | { problem: string } {
  const text = expression.trim();
  const cron = NICKNAMES[text.toLowerCase()] ?? text;
  const parts = cron.split(/\s+/);
  if (parts.length !== 5) return { problem: `"${expression}" is not a 5-field cron expression` };
  const sets: number[][] = [];
  for (const [i, part] of parts.entries()) {
    const values = expand(part, FIELDS[i] as Field);
    if (typeof values === "string") return { problem: values };
    sets.push(values);
  }
  const [minutes, hours, doms, months, dows] = sets as [number[], number[], number[], number[], number[]];
  const star = (p: string) => p === "*" || p === "?";
  return {
    minutes,
    hours,
    doms,
    months,
    dows: [...new Set(dows.map((d) => d % 7))].sort((a, b) => a - b),
    domStar: star(parts[2] as string),
    dowStar: star(parts[4] as string),
  };
}

export function toOnCalendar(expression: string, timezone: string | null): Calendar {
  const c = readCron(expression);
  if ("problem" in c) return c;
  const time = `${list(c.hours, 0, 23)}:${list(c.minutes, 0, 59)}:00`;
  const month = list(c.months, 1, 12);
  const zone = timezone ? ` ${timezone}` : "";
  const dateOf = (days: number[]) => `*-${month}-${list(days, 1, 31)}`;
  const all31 = range(1, 31);
  if (!c.domStar && !c.dowStar) {
    // Either: the days of the month, or the weekdays (every day of those months).
    return {
      lines: [`${dateOf(c.doms)} ${time}${zone}`, `${weekdays(c.dows)} ${dateOf(all31)} ${time}${zone}`],
    };
  }
  const prefix = c.dowStar || c.dows.length === 7 ? "" : `${weekdays(c.dows)} `;
  return { lines: [`${prefix}${dateOf(c.domStar ? all31 : c.doms)} ${time}${zone}`] };
}

// The same times in standard cron, as Kubernetes reads it (robfig/cron: day of week 0-6, no
// L/W/#, and AND between the two day fields when either begins with "*", so "*/2" there would
// change the meaning): each restricted field as its values, "*" where it was written so.
export function toStandardCron(expression: string): { schedule: string } | { problem: string } {
  const c = readCron(expression);
  if ("problem" in c) return c;
  const field = (values: number[], min: number, max: number) =>
    values.length === max - min + 1 ? "*" : ranges(values);
  const dom = c.domStar ? "*" : ranges(c.doms);
  const dow = c.dowStar ? "*" : ranges(c.dows);
  return {
    schedule: [field(c.minutes, 0, 59), field(c.hours, 0, 23), dom, field(c.months, 1, 12), dow].join(" "),
  };
}

// "1,2,3,5" as "1-3,5".
function ranges(values: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && (values[j + 1] as number) === (values[j] as number) + 1) j++;
    out.push(j - i >= 2 ? `${values[i]}-${values[j]}` : values.slice(i, j + 1).join(","));
    i = j + 1;
  }
  return out.join(",");
}

// The values one cron field names, or why it cannot be carried over.
function expand(part: string, f: Field): number[] | string {
  const out = new Set<number>();
  // The config's check already read the expression with croner: what is not a plain value,
  // range or step here is one of croner's extensions.
  const extension = (item: string) =>
    /[LW#+]/i.test(item)
      ? `"${part}" in the ${f.name} uses L, W, # or +, which standard cron and OnCalendar lack`
      : `"${item}" is not a ${f.name} value`;
  for (const item of part.split(",")) {
    const m = /^(\*|\?|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:\/(\d+))?$/.exec(item);
    if (!m) return extension(item);
    const [, from, to, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (from === "*" || from === "?") {
      lo = f.min;
      hi = f.name === "day of week" ? 6 : f.max;
    } else {
      const a = value(from as string, f);
      if (a === null) return extension(item);
      lo = a;
      // "5/15" (which croner refuses unless told otherwise): from 5 to the end of the field.
      const b = to === undefined ? (stepText === undefined ? a : f.max) : value(to, f);
      if (b === null) return extension(item);
      hi = b;
    }
    if (step < 1 || hi < lo) return extension(item);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

function value(text: string, f: Field): number | null {
  const byName = f.names?.indexOf(text.toUpperCase()) ?? -1;
  if (byName >= 0) return f.min + byName;
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= f.min && n <= f.max ? n : null;
}

// A set of values in systemd's syntax: "*", "0/15" for a repetition running to the field's end,
// or a comma-separated list.
function list(values: number[], min: number, max: number): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  if (values.length === max - min + 1) return "*";
  const [first, second] = values;
  if (first !== undefined && second !== undefined && values.length >= 3) {
    const step = second - first;
    const repeats = values.every((v, i) => v === first + i * step) && (values.at(-1) as number) + step > max;
    if (repeats) return `${pad(first)}/${step}`;
  }
  return values.map(pad).join(",");
}

function weekdays(days: number[]): string {
  return days.map((d) => SYSTEMD_DAYS[d]).join(",");
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}
