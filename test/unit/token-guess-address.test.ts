import { guessingAddress } from "../../src/throttles/token-guess-throttle";

describe("the address a token guess is counted against", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8:0:1::1", "2001:db8:0:1::/64"],
    ["2001:db8:0:1:ffff:ffff:ffff:ffff", "2001:db8:0:1::/64"],
    ["2001:DB8:0:1:0:0:0:2", "2001:db8:0:1::/64"],
    ["2001:db8:0:2::1", "2001:db8:0:2::/64"],
    ["::1", "::/64"],
  ])("%s is counted as %s", (raw, counted) => {
    expect(guessingAddress(raw)).toBe(counted);
  });

  it("something that is not an IP address is counted as given, bounded", () => {
    expect(guessingAddress("x".repeat(500))).toBe("x".repeat(100));
  });
});
