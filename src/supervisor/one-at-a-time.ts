// Runs async changes one after another, each once the one before has settled (however it
// ended): a reload, a `tend scale` and a rolling restart never interleave.
export class OneAtATime {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(change: () => Promise<T>): Promise<T> {
    const next = this.last.then(change, change);
    // The queue goes on whatever this change does; its caller gets its result or its error.
    this.last = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}
