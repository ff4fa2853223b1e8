// Lines lost to failed writes (disk full) are counted and reported at most once a second per
// process, so a full disk yields a few events with counts, not one per line.
export class DroppedLines {
  private readonly pending = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly report: (name: string, lines: number) => void,
    private readonly intervalMs = 1000,
  ) {}

  note(name: string, lines: number): void {
    this.pending.set(name, (this.pending.get(name) ?? 0) + lines);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    this.timer = null;
    for (const [name, lines] of this.pending) this.report(name, lines);
    this.pending.clear();
  }
}
