// Against a running `tend up`: the socket comes from $TEND_SOCKET.
import { connect } from "tend/client";
import { scenario } from "./scenario.js";

const tend = connect();
await scenario(tend, process.env.FIXTURES as string);
tend.close();
