import { expect, test } from "bun:test";
import { parseListenAddress } from "../../src/config/listen-address.ts";

test.each([
  ["127.0.0.1:9464", { hostname: "127.0.0.1", port: 9464 }],
  ["[::1]:9464", { hostname: "::1", port: 9464 }],
  [":9464", { hostname: "0.0.0.0", port: 9464 }],
  ["localhost:80", { hostname: "localhost", port: 80 }],
  ["127.0.0.1", null],
  ["127.0.0.1:0", null],
  ["127.0.0.1:70000", null],
  ["::1:9464", null],
])("metrics_listen %p", (text, expected) => {
  expect(parseListenAddress(text)).toEqual(expected);
});
