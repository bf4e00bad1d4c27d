import { ConfigError, loadConfig } from "../../src/config";

describe("metrics configuration", () => {
  it("keeps metrics off the public port and opens no metrics port by default", () => {
    const config = loadConfig({});
    expect(config.metricsPublic).toBe(false);
    expect(config.metricsPort).toBeUndefined();
  });

  it("reads METRICS_PUBLIC and METRICS_PORT", () => {
    const config = loadConfig({ METRICS_PUBLIC: "true", METRICS_PORT: "9464" });
    expect(config.metricsPublic).toBe(true);
    expect(config.metricsPort).toBe(9464);
  });

  it.each([
    ["METRICS_PORT", "metrics"],
    ["METRICS_PORT", "70000"],
    ["METRICS_PUBLIC", "sometimes"],
  ])("refuses %s=%s at start, naming the variable", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
