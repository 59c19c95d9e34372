import { describe, expect, it } from "vitest";
import { ariaSort, nextSort } from "./list-sort.ts";

describe("column sort", () => {
  it("a header press goes ascending, then descending, then back to the default order", () => {
    expect(nextSort({ sort: undefined, order: "asc" }, "state")).toEqual({ sort: "state", order: "asc" });
    expect(nextSort({ sort: "state", order: "asc" }, "state")).toEqual({ sort: "state", order: "desc" });
    expect(nextSort({ sort: "state", order: "desc" }, "state")).toBeNull();
    expect(nextSort({ sort: "state", order: "desc" }, "account")).toEqual({ sort: "account", order: "asc" });
  });

  it("aria-sort names the order on the sorted column's header only", () => {
    expect(ariaSort({ sort: "state", order: "asc" }, ["state"])).toBe("ascending");
    expect(ariaSort({ sort: "endDate", order: "desc" }, ["startDate", "endDate"])).toBe("descending");
    expect(ariaSort({ sort: "state", order: "asc" }, ["account"])).toBeUndefined();
    expect(ariaSort({ sort: undefined, order: "asc" }, ["account"])).toBeUndefined();
  });
});
