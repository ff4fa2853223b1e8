import type { Control } from "../domain/control.ts";
import type { ReloadPlan } from "../domain/shapes.ts";

export interface ReloadHooks {
  reloading(): void;
  reloaded(): void;
}

export type Reload = (dryRun: boolean) => Promise<ReloadPlan>;

// Every reload of the daemon (SIGHUP, POST /v1/reload, `tend reload`) goes through here. Reloads
// run one at a time: two overlapping ones would each plan against the units before the other
// applied, and could both add the same process. Around an applied reload, systemd hears
// RELOADING=1 and then READY=1, also when the new config is refused (nothing changed, and systemd
// must not be left waiting in "reloading").
export function createReloader(
  control: Pick<Control, "reload">,
  hooks: ReloadHooks | null,
  isStopping: () => boolean,
): Reload {
  let queue: Promise<unknown> = Promise.resolve();
  return (dryRun) => {
    const run = async (): Promise<ReloadPlan> => {
      if (dryRun || !hooks || isStopping()) return control.reload(dryRun);
      hooks.reloading();
      try {
        return await control.reload(false);
      } finally {
        // A shutdown that began meanwhile has sent STOPPING=1; READY=1 must not follow it.
        if (!isStopping()) hooks.reloaded();
      }
    };
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };
}
