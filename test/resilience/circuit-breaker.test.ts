import { describe, expect, it } from "vitest";
import { CircuitBreaker, type CircuitState } from "../../src/server/resilience/circuit-breaker.js";

function breaker(failureThreshold = 3, cooldownMs = 1000) {
  let now = 0;
  const changes: CircuitState[] = [];
  const circuit = new CircuitBreaker({
    failureThreshold,
    cooldownMs,
    clock: () => now,
    onChange: (state) => changes.push(state),
  });
  const advance = (ms: number): void => {
    now += ms;
  };
  return { circuit, changes, advance };
}

describe("CircuitBreaker", () => {
  it("opens only after failureThreshold failures in a row", () => {
    const { circuit } = breaker(3);
    circuit.failed(false, "x");
    circuit.failed(false, "x");
    circuit.succeeded(false);
    circuit.failed(false, "x");
    circuit.failed(false, "x");
    expect(circuit.state).toBe("closed");
    expect(circuit.healthy).toBe(false);
    circuit.failed(false, "x");
    expect(circuit.state).toBe("open");
  });

  it("refuses while open with the time left, then admits exactly one probe", () => {
    const { circuit, advance, changes } = breaker(1, 1000);
    circuit.failed(false, "x");
    advance(400);
    expect(circuit.admit()).toEqual({ ok: false, retryAfterMs: 600 });
    advance(600);
    expect(circuit.admit()).toEqual({ ok: true, probe: true });
    expect(circuit.admit()).toMatchObject({ ok: false });
    expect(changes).toEqual(["open", "half_open"]);
  });

  it("closes when the probe succeeds and reopens for a new cool-down when it fails", () => {
    const { circuit, advance, changes } = breaker(1, 1000);
    circuit.failed(false, "x");
    advance(1000);
    circuit.admit();
    circuit.failed(true, "still down");
    expect(circuit.admit()).toEqual({ ok: false, retryAfterMs: 1000 });
    advance(1000);
    expect(circuit.admit()).toEqual({ ok: true, probe: true });
    circuit.succeeded(true);
    expect(circuit.healthy).toBe(true);
    expect(changes).toEqual(["open", "half_open", "open", "half_open", "closed"]);
  });

  it("lets another probe go when one never reached the backend", () => {
    const { circuit, advance } = breaker(1, 1000);
    circuit.failed(false, "x");
    advance(1000);
    circuit.admit();
    circuit.abandoned(true);
    expect(circuit.admit()).toEqual({ ok: true, probe: true });
  });

  it("ignores late outcomes of calls admitted before the circuit opened", () => {
    const { circuit } = breaker(1, 1000);
    circuit.failed(false, "x");
    circuit.succeeded(false);
    circuit.failed(false, "y");
    expect(circuit.state).toBe("open");
    expect(circuit.admit()).toMatchObject({ ok: false });
  });
});
