// A supervisor of this program's own, stopped with everything it started at the end of the block.
import { startSupervisor } from "tend";
import { scenario } from "./scenario.js";

let dir = "";
{
  await using tend = await startSupervisor({ supervisor: { metrics_interval: "1s" } });
  dir = tend.dir;
  await scenario(tend, process.env.FIXTURES as string);
}
const { existsSync } = await import("node:fs");
console.log(JSON.stringify({ cleanedUp: !existsSync(dir) }));
