import { afterEach } from "bun:test";
import { cleanUpLeftovers } from "./helpers/leftovers.ts";

// Loaded before every test file (bunfig.toml): ends what a timed-out test left running.
afterEach(cleanUpLeftovers);
