import { describe, expect, it } from "vitest";
import { blockRows, dimRanges, residualGroups } from "../../compiler/model/describe.js";
import { inspectHtml, modelHeatmaps, restrict } from "../../compiler/model/inspectHtml.js";
import { clone, copyModel, fracModel } from "./fixtures.js";

describe("inspect helpers", () => {
  it("groups the residual stream by s-op", () => {
    const groups = residualGroups(copyModel());
    expect(groups.map((g) => [g.name, dimRanges(g.dims), g.labels.join(" ")])).toEqual([
      ["one", "0", "one"],
      ["tokens", "1", "BOS"],
      ["tokens", "2-4", "x y z"],
      ["out", "5-7", "x y z"],
    ]);
    expect(dimRanges([7, 1, 2, 3, 9])).toBe("1-3, 7, 9");
  });

  it("lists which block computes which s-op", () => {
    expect(blockRows(fracModel()).map((r) => [r.layer, r.block, r.computes])).toEqual([
      [-1, "embedding", "tokens"],
      [0, "attn head 0", "frac_a"],
    ]);
    expect(blockRows(copyModel()).map((r) => [r.layer, r.block, r.computes])).toEqual([
      [-1, "embedding", "tokens"],
      [0, "mlp", "out"],
    ]);
  });

  it("keeps only nonzero rows and columns in a heatmap", () => {
    const h = restrict("t", "s", "r", "c", [[0, 0, 0], [0, 2, 0], [1, 0, 0]], ["a", "b", "c"], ["x", "y", "z"])!;
    expect(h.rowLabels).toEqual(["b", "c"]);
    expect(h.colLabels).toEqual(["x", "y"]);
    expect(h.values).toEqual([[0, 2], [1, 0]]);
    expect(restrict("t", "s", "r", "c", [[0]], ["a"], ["x"])).toBeNull();
  });

  it("draws every weight matrix: embeddings, QK and OV per head, MLP W1 and W2, unembedding", () => {
    const titles = modelHeatmaps(fracModel()).flatMap((s) => s.maps.map((m) => m.title));
    // The frac head has all-zero W_Q and W_K (uniform attention), so its QK map is empty and left out.
    expect(titles).toEqual(["Token embedding", "Layer 0 head 0 (frac_a): W_V·W_O", "Unembedding"]);
    const copyTitles = modelHeatmaps(copyModel()).flatMap((s) => s.maps.map((m) => m.title));
    expect(copyTitles).toContain("Layer 0 MLP: W1 (last row: b1)");
    expect(copyTitles).toContain("Layer 0 MLP: W2 (last row: b2)");
  });

  it("escapes names in the page and keeps the data script closed", () => {
    const m = clone(copyModel());
    m.residual[5] = "out:</script><b>";
    m.source.file = "a<b>.rasp";
    const page = inspectHtml(m);
    expect(page).not.toContain("<b>");
    expect(page).toContain("a&lt;b&gt;.rasp");
    expect(page.match(/<\/script>/g)).toHaveLength(2);
  });

  it("reports its progress: every layer's products, then every heatmap drawn", () => {
    const m = fracModel();
    const seen: string[] = [];
    inspectHtml(m, (step, done, total) => seen.push(`${step} ${done}/${total}`));
    const maps = modelHeatmaps(m).reduce((a, s) => a + s.maps.length, 0);
    const layers = m.layers.map((_, l) => `layers ${l + 1}/${m.layers.length}`);
    expect(seen).toEqual([...layers, ...Array.from({ length: maps }, (_, i) => `heatmaps ${i + 1}/${maps}`)]);
  });
});
