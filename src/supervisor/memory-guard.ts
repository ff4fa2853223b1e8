// max_memory is about sustained excess: one sample above the limit (a burst, a page-cache blip)
// is not enough; `samplesInRow` consecutive samples of the same run are.
export class MemoryGuard {
  private readonly over = new Map<string, { runId: number; count: number }>();

  constructor(private readonly samplesInRow = 2) {}

  // True when this sample makes `samplesInRow` in a row above the limit for this run.
  note(name: string, runId: number, rssBytes: number, limitBytes: number | null): boolean {
    if (limitBytes === null || rssBytes <= limitBytes) {
      this.over.delete(name);
      return false;
    }
    const prev = this.over.get(name);
    const count = prev && prev.runId === runId ? prev.count + 1 : 1;
    if (count >= this.samplesInRow) {
      this.over.delete(name);
      return true;
    }
    this.over.set(name, { runId, count });
    return false;
  }
}
