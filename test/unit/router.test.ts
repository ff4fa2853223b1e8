import { describe, expect, test } from "bun:test";
import { matchRoute, pathOf } from "../../src/api/router.ts";
import { ROUTES, type RouteName } from "../../src/api/surface.gen.ts";

describe("the route table as a lookup", () => {
  test("every declared route is found by its own method and path", () => {
    const wrong: string[] = [];
    for (const name of Object.keys(ROUTES) as RouteName[]) {
      const { method, path } = ROUTES[name];
      const found = matchRoute(method, path.replace(":name", "web-1"));
      const params = path.includes(":name") ? { name: "web-1" } : {};
      if (found?.name !== name || JSON.stringify(found.params) !== JSON.stringify(params))
        wrong.push(`${method} ${path} → ${JSON.stringify(found)}`);
    }
    expect(wrong).toEqual([]);
  });

  test.each([
    ["GET", "/v1/processes/"],
    ["GET", "/v1/processes//start"],
    ["POST", "/v1/processes//start"],
    ["GET", "//v1/processes"],
    ["PUT", "/v1/processes"],
    ["GET", "/v1/processes/web/start"],
    ["GET", "/v1/processes/%E0%A4%A"],
    ["GET", ""],
    ["BREW", "/v1/health"],
  ])("%s %p matches no route", (method, path) => {
    expect(matchRoute(method, path)).toBeNull();
  });

  test("a parameter arrives decoded", () => {
    expect(matchRoute("POST", "/v1/processes/a%20b/restart")).toEqual({
      name: "restart",
      params: { name: "a b" },
    });
  });

  test.each([
    ["http://localhost/v1/processes?x=1", "/v1/processes"],
    ["http://localhost/v1/processes#top", "/v1/processes"],
    ["http://localhost/v1/logs?since=1#x", "/v1/logs"],
    ["http://localhost", "/"],
    ["https://127.0.0.1:9000/v1/health", "/v1/health"],
  ])("the path of %p is %p", (url, path) => {
    expect(pathOf(url)).toBe(path);
  });
});
