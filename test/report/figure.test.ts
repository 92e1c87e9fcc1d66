// The figure files the instruments hand to the report: saved atomically under figures/, loaded
// back equal and sorted by id, and every kind of bad file refused in one line naming it.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { usageErrorMessage } from "../common/usageError.js";
import { figureJson, loadFigures, saveFigure, type Figure } from "../../runtime/report/figure.js";
import { removeTemp, sampleFigures, tempDir } from "./fixtures.js";

afterAll(removeTemp);

/** The one-line UsageError that loadFigures(dir) throws. */
const loadError = (dir: string): string => usageErrorMessage(() => loadFigures(dir));

function withFile(name: string, content: string): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, "figures"));
  fs.writeFileSync(path.join(dir, "figures", name), content);
  return dir;
}

const good = (): Record<string, unknown> => JSON.parse(figureJson(sampleFigures()[1]!)) as Record<string, unknown>;

describe("saveFigure / loadFigures", () => {
  it("round-trips every field, sorted by id, with the table", () => {
    const dir = tempDir();
    const figures = sampleFigures();
    const paths = [...figures].reverse().map((f) => saveFigure(dir, f));
    expect(paths[0]).toBe(path.join(dir, "figures", "prune-histogram.json"));
    const loaded = loadFigures(dir);
    expect(loaded.map((f) => f.id)).toEqual(["attn-L0H0", "prune-curve", "prune-histogram"]);
    expect(loaded).toEqual([...figures].sort((a, b) => a.id.localeCompare(b.id)));
    expect(loaded[1]!.table).toEqual({ header: ["K", "Acc O_PT (%)"], rows: [[0, 11.8], [3, 86], ["*baseline: always 0*", 20]] });
    expect(fs.readdirSync(path.join(dir, "figures")).sort()).toEqual(["attn-L0H0.json", "prune-curve.json", "prune-histogram.json"]);
  });

  it("a folder without figures/ has none; saving again replaces the file", () => {
    const dir = tempDir();
    expect(loadFigures(dir)).toEqual([]);
    const f = sampleFigures()[2]!;
    saveFigure(dir, f);
    saveFigure(dir, { ...f, caption: "second" });
    expect(loadFigures(dir).map((x) => x.caption)).toEqual(["second"]);
  });

  it("refuses to save a figure it could not load, and writes nothing", () => {
    const dir = tempDir();
    const f = sampleFigures()[0]!;
    expect(() => saveFigure(dir, { ...f, id: "../escape" })).toThrow(/figure "\.\.\/escape": id: must be a file-name-safe id/);
    expect(() => saveFigure(dir, { ...f, table: { header: ["a", "b"], rows: [[1]] } })).toThrow(/table\.rows\[0\]: 1 cell\(s\), but the header has 2/);
    expect(() => saveFigure(dir, { ...f, spec: { mark: "nonsense" } as unknown as Figure["spec"] })).toThrow(/spec: not a Vega-Lite spec/);
    expect(fs.existsSync(path.join(dir, "figures", "attn-L0H0.json"))).toBe(false);
  });
});

describe("bad figure files", () => {
  it("broken JSON: file:line:col", () => {
    expect(loadError(withFile("x.json", '{"format": "raspc-figure",\n  "id": }'))).toMatch(/figures\/x\.json:2:9: not valid JSON/);
  });

  it("another JSON file: not a raspc figure", () => {
    expect(loadError(withFile("x.json", JSON.stringify({ format: "something", id: "x" })))).toMatch(/figures\/x\.json: not a raspc figure file/);
    expect(loadError(withFile("x.json", "[1, 2]"))).toMatch(/figures\/x\.json: .*must be object/);
  });

  it("a missing or mistyped field is named", () => {
    const { caption: _caption, ...noCaption } = good();
    expect(loadError(withFile("prune-curve.json", JSON.stringify(noCaption)))).toMatch(/prune-curve\.json: caption: missing/);
    expect(loadError(withFile("prune-curve.json", JSON.stringify({ ...good(), title: 3 })))).toMatch(/prune-curve\.json: title: must be string/);
    expect(loadError(withFile("prune-curve.json", JSON.stringify({ ...good(), colour: "red" })))).toMatch(/unknown field "colour"/);
    expect(loadError(withFile("prune-curve.json", JSON.stringify({ ...good(), table: { header: ["a"], rows: [[true]] } })))).toMatch(/table\.rows\[0\]\[0\]: must be string,number/);
  });

  it("the id must be the file's name, and a spec must compile", () => {
    expect(loadError(withFile("renamed.json", JSON.stringify(good())))).toMatch(/renamed\.json: id: "prune-curve" does not match the file name/);
    expect(loadError(withFile("prune-curve.json", JSON.stringify({ ...good(), spec: { mark: { type: "nonsense" } } })))).toMatch(/prune-curve\.json: spec: not a Vega-Lite spec/);
  });

  it("figures/ that is a file, and a figure file that is a folder", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "figures"), "");
    expect(loadError(dir)).toMatch(/figures: is not a folder/);
    const dir2 = tempDir();
    fs.mkdirSync(path.join(dir2, "figures", "odd.json"), { recursive: true });
    expect(loadError(dir2)).toMatch(/odd\.json: is a directory, not a figure file/);
  });
});
