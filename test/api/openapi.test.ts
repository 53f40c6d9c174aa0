import { Ajv, type ValidateFunction } from "ajv";
import { describe, expect, it } from "vitest";
import { PUBLISH_REQUEST_SCHEMA } from "../../src/server/publish/publish-request.js";
import { useTestServer } from "../support/use-test-server.js";
import { API_CONFIG, api, errorOf, KEYS } from "./api-client.js";
import { nodeRoutes } from "./node-routes.js";

interface Operation {
  operationId: string;
  security: unknown[];
  parameters: Array<{ name: string; in: string; schema: object }>;
  requestBody?: { required: boolean; content: { "application/json": { schema: object } } };
  responses: Record<string, { content: { "application/json": { schema: object } } }>;
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

/** A valid request body for each operation that takes one. */
const VALID_BODIES: Record<string, unknown> = {
  publish: { to: "bob", data: { text: "hi" } },
  batch: { items: [{ to: "bob", data: { n: 1 } }] },
  disconnectUser: { code: 4000, reason: "bye" },
  sendEvent: { event: "ping" },
};

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );

/** A concrete path for a template: `{room}` → lobby, `{user}` → bob. */
const concrete = (path: string) => path.replace("{room}", "lobby").replace("{user}", "bob");

describe("the OpenAPI document at /api/v1/openapi.json", () => {
  const t = useTestServer();
  const ajv = new Ajv({ strict: false });
  const validator = (doc: Document, schema: object): ValidateFunction =>
    ajv.compile({ ...schema, components: doc.components } as object);

  const fetchDocument = async (httpUrl: string) => {
    const answer = await api(httpUrl, "GET", "/api/v1/openapi.json");
    expect(answer.status).toBe(200);
    return answer.body as Document;
  };

  it("is served without a key while the API is on, as OpenAPI 3.1", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const doc = await fetchDocument(httpUrl);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/api/v1/openapi.json"]?.get?.security).toEqual([]);
  });

  it("documents every route the node has, and nothing else", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const doc = await fetchDocument(httpUrl);
    const documented = operations(doc).map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    const routes = nodeRoutes().map((route) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(routes.sort());
  });

  it("has every documented route answer, with the documented shape", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const doc = await fetchDocument(httpUrl);
    for (const { path, method, operation } of operations(doc)) {
      const body = VALID_BODIES[operation.operationId];
      const answer = await api(httpUrl, method.toUpperCase(), concrete(path), {
        key: KEYS.admin,
        ...(body === undefined ? {} : { body }),
      });
      const what = `${method} ${path}`;
      expect([404, 405], `${what} answers`).not.toContain(answer.status);
      const documented = operation.responses[String(answer.status)];
      expect(documented, `${what}: status ${answer.status} is documented`).toBeDefined();
      const validate = validator(doc, documented?.content["application/json"].schema ?? {});
      expect(validate(answer.body), `${what}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("validates request bodies with the documented schemas, the publish schema the AMQP bridge shares", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const doc = await fetchDocument(httpUrl);
    const publish = doc.paths["/api/v1/publish"]?.post?.requestBody?.content["application/json"];
    expect(publish?.schema).toEqual(JSON.parse(JSON.stringify(PUBLISH_REQUEST_SCHEMA)));
    const withBodies = operations(doc).filter(({ operation }) => operation.requestBody);
    expect(withBodies.map(({ operation }) => operation.operationId).sort()).toEqual(
      Object.keys(VALID_BODIES).sort(),
    );
    for (const { path, method, operation } of withBodies) {
      const schema = operation.requestBody?.content["application/json"].schema ?? {};
      const validate = validator(doc, schema);
      const good = VALID_BODIES[operation.operationId];
      const bad = { ...(good as object), unknownField: true };
      expect(validate(good), operation.operationId).toBe(true);
      expect(validate(bad), operation.operationId).toBe(false);
      const refused = await api(httpUrl, method.toUpperCase(), concrete(path), {
        key: KEYS.admin,
        body: bad,
      });
      expect(refused.status, operation.operationId).toBe(400);
      expect(errorOf(refused)).toMatchObject({ code: "invalid_request", pointer: "/unknownField" });
    }
  });

  it("documents the parameters each route checks", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const doc = await fetchDocument(httpUrl);
    const history = doc.paths["/api/v1/rooms/{room}/history"]?.get;
    expect(history?.parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
      "path:room",
      "query:since",
    ]);
    const publish = doc.paths["/api/v1/publish"]?.post;
    expect(publish?.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(["header:Idempotency-Key"]);
    expect(Object.keys(publish?.responses ?? {})).toEqual(
      expect.arrayContaining(["202", "400", "401", "403", "409", "413", "415", "429", "503"]),
    );
  });
});
