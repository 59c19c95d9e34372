import { describe, expect, it } from "vitest";
import { ariaSort, nextSort } from "./list-sort.ts";

describe("column sort", () => {
  it("a header press goes ascending, then descending, then back to the default order", () => {
    expect(nextSort({ sort: undefined, order: "asc" }, "state")).toEqual({ sort: "state", order: "asc" });
    expect(nextSort({ sort: "state", order: "asc" }, "state")).toEqual({ sort: "state", order: "desc" });
    expect(nextSort({ sort: "state", order: "desc" }, "state")).toBeNull();
    expect(nextSort({ sort: "state", order: "desc" }, "account")).toEqual({ sort: "account", order: "asc" });
  });

  it("a list with a fallback column flips between ascending and descending, never unsorted", () => {
    expect(nextSort({ sort: "name", order: "desc" }, "name", false)).toEqual({ sort: "name", order: "asc" });
    expect(nextSort({ sort: "name", order: "asc" }, "created", false)).toEqual({ sort: "created", order: "asc" });
  });

  it('aria-sort names the order on the sorted column\'s header, "none" on the others', () => {
    expect(ariaSort({ sort: "state", order: "asc" }, ["state"])).toBe("ascending");
    expect(ariaSort({ sort: "endDate", order: "desc" }, ["startDate", "endDate"])).toBe("descending");
    expect(ariaSort({ sort: "state", order: "asc" }, ["account"])).toBe("none");
    expect(ariaSort({ sort: undefined, order: "asc" }, ["account"])).toBe("none");
  });
});
