import { describe, expect, it } from "vitest";
import { API_ERRORS } from "../../src/protocol/index.js";
import { nodeRoutes } from "../api/node-routes.js";
import { readDoc, section } from "./markdown.js";

describe("docs/api.md", () => {
  it("lists every error code with its status, as the catalogue has them", async () => {
    const errors = section(await readDoc("docs/api.md"), "## Errors");
    for (const [code, { status }] of Object.entries(API_ERRORS)) {
      expect(errors, code).toMatch(new RegExp(`^\\| \`${code}\` +\\| ${status} +\\|`, "m"));
    }
  });

  it("lists every route of the node, with its method and scope, and no other", async () => {
    const routes = section(await readDoc("docs/api.md"), "## Routes");
    const documented = routes
      .split("\n")
      .flatMap(
        (line) => /^\| `(GET|POST) (\/api\/v1\/[^`]+)`/.exec(line)?.slice(1, 3).join(" ") ?? [],
      );
    const built = nodeRoutes().map((route) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(built.sort());
    for (const route of nodeRoutes()) {
      const row = routes
        .split("\n")
        .find((line) => line.includes(`\`${route.method} ${route.path}\``));
      expect(row, route.path).toContain(route.scope === null ? "none" : `\`${route.scope}\``);
    }
  });
});
