import { describe, expect, it } from "vitest";
import { globToRegExp } from "../../src/server/rules/glob.js";

describe("globToRegExp", () => {
  it("matches a literal pattern exactly and nothing longer or shorter", () => {
    const glob = globToRegExp("lobby");
    expect(glob.test("lobby")).toBe(true);
    expect(glob.test("lobby-2")).toBe(false);
    expect(glob.test("the-lobby")).toBe(false);
    expect(glob.test("lobb")).toBe(false);
  });

  it("lets a star match any run of characters, the empty run included", () => {
    const glob = globToRegExp("staff-*");
    expect(glob.test("staff-")).toBe(true);
    expect(glob.test("staff-berlin/2nd floor")).toBe(true);
    expect(glob.test("staff")).toBe(false);
    expect(globToRegExp("*").test("")).toBe(true);
    expect(globToRegExp("a*b*c").test("a-x-b-y-c")).toBe(true);
    expect(globToRegExp("a**c").test("ac")).toBe(true);
  });

  it("lets a star cross newlines", () => {
    expect(globToRegExp("a*b").test("a\nb")).toBe(true);
  });

  it("treats regular-expression characters as themselves", () => {
    expect(globToRegExp("room.1").test("room.1")).toBe(true);
    expect(globToRegExp("room.1").test("roomX1")).toBe(false);
    expect(globToRegExp("a+b(c)[d]?$^|\\").test("a+b(c)[d]?$^|\\")).toBe(true);
    expect(globToRegExp("a+").test("aa")).toBe(false);
  });

  it("is case-sensitive", () => {
    expect(globToRegExp("Staff-*").test("staff-1")).toBe(false);
  });
});
