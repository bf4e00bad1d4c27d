import "reflect-metadata";
import { atMost, characterCount, EMAIL, follow, Follows, longText, NAME, readText, shortText } from "../../src/common/rules";
import { FieldErrors, validateInput } from "../../src/common/validation";

/** The fields a list of rules records for one value, read the way the services read text (trimmed). */
function failures(value: string, rules: Parameters<typeof follow>[3]) {
  const errors = new FieldErrors();
  readText(errors, "f", value, rules);
  let fields: unknown[] = [];
  try {
    errors.throwIfAny();
  } catch (error) {
    fields = (error as { extensions: { fields: unknown[] } }).extensions.fields;
  }
  return fields;
}

describe("the one set of text rules", () => {
  it.each([
    ["a name that is blank after trimming", "   ", NAME, "must be 1 to 100 characters after trimming"],
    ["a name with a control character", "bad\u0007name", NAME, "must not contain control characters"],
    ["a name with a line break", "two\nlines", NAME, "must not contain control characters"],
    ["long text with a NUL", "a\u0000b", longText(10), "must not contain control characters other than tabs and line breaks"],
    ["long text over its bound", "x".repeat(11), longText(10), "must be at most 10 characters"],
    ["short text that is blank", " \t", shortText(10), "must not be blank"],
    ["an e-mail without a domain", "ada@", EMAIL, "must be a valid e-mail address"],
    ["an e-mail over 254 characters", `${"a".repeat(64)}@${"b".repeat(190)}.io`, EMAIL, "must be at most 254 characters"],
  ])("refuses %s with one message naming the field", (_case, value, rules, message) => {
    expect(failures(value, rules)).toEqual([{ field: "f", message }]);
  });

  it.each([
    ["a name of 100 characters", "y".repeat(100), NAME],
    ["long text with tabs and line breaks", "a\tb\r\nc", longText(10)],
    ["an e-mail address", "ada@acme.io", EMAIL],
  ])("accepts %s", (_case, value, rules) => {
    expect(failures(value, rules)).toEqual([]);
  });

  it("counts characters as PostgreSQL does: a surrogate pair is one, a variation selector is one more", () => {
    expect(characterCount("😀".repeat(100))).toBe(100);
    expect(characterCount("❤️")).toBe(2);
    expect(failures("😀".repeat(100), NAME)).toEqual([]);
    expect(failures("❤️".repeat(51), NAME)).toEqual([{ field: "f", message: "must be 1 to 100 characters after trimming" }]);
  });

  it("readText returns the trimmed value it checked; follow checks the value as given", () => {
    const errors = new FieldErrors();
    expect(readText(errors, "f", "  Acme  ", NAME)).toBe("Acme");
    expect(errors.size).toBe(0);
    expect(follow(errors, "g", " ", [atMost(0)])).toBe(false);
    expect(errors.has("g")).toBe(true);
  });

  it("the class-validator decorator gives the same field and message as the hand-written reader", async () => {
    class Input {
      @Follows(atMost(3))
      name?: string;
    }
    const input = Object.assign(new Input(), { name: "four" });
    const errors = await validateInput("input", input);
    expect(() => errors.throwIfAny()).toThrow("Invalid input: input.name: must be at most 3 characters");
    expect(failures("four", [atMost(3)])).toEqual([{ field: "f", message: "must be at most 3 characters" }]);
  });
});
