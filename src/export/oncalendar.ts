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

export function toOnCalendar(expression: string, timezone: string | null): Calendar {
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
  const [minutes, hours, doms, months, dowsRaw] = sets as [number[], number[], number[], number[], number[]];
  const dows = [...new Set(dowsRaw.map((d) => d % 7))].sort((a, b) => a - b);
  const star = (p: string) => p === "*" || p === "?";
  const time = `${list(hours, 0, 23)}:${list(minutes, 0, 59)}:00`;
  const month = list(months, 1, 12);
  const zone = timezone ? ` ${timezone}` : "";
  const dateOf = (days: number[]) => `*-${month}-${list(days, 1, 31)}`;
  const all31 = range(1, 31);
  const domStar = star(parts[2] as string);
  const dowStar = star(parts[4] as string);
  if (!domStar && !dowStar) {
    // Either: the days of the month, or the weekdays (every day of those months).
    return {
      lines: [`${dateOf(doms)} ${time}${zone}`, `${weekdays(dows)} ${dateOf(all31)} ${time}${zone}`],
    };
  }
  const prefix = dowStar || dows.length === 7 ? "" : `${weekdays(dows)} `;
  return { lines: [`${prefix}${dateOf(domStar ? all31 : doms)} ${time}${zone}`] };
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
      // "5/15": from 5 to the end of the field, as cron reads it.
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
