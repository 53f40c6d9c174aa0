import { describe, expect, it } from "vitest";
import { publicUrls } from "../../src/server/public-urls.js";

describe("the URLs of the ready line", () => {
  it("shows an address that listens everywhere as localhost, and brackets IPv6", () => {
    const everywhere = publicUrls({ host: "0.0.0.0", port: 8080, path: "/ws", metrics: true });
    expect(everywhere).toEqual({
      url: "ws://localhost:8080/ws",
      chatUrl: "http://localhost:8080/",
      dashboardUrl: "http://localhost:8080/dashboard",
      metricsUrl: "http://localhost:8080/metrics",
    });
    expect(publicUrls({ host: "::", port: 1, path: "/ws", metrics: false }).url).toBe(
      "ws://localhost:1/ws",
    );
    expect(publicUrls({ host: "::1", port: 9000, path: "/socket", metrics: false })).toEqual({
      url: "ws://[::1]:9000/socket",
      chatUrl: "http://[::1]:9000/",
      dashboardUrl: "http://[::1]:9000/dashboard",
    });
  });
});
