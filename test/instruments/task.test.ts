// runtime/instruments/task.ts: the task a model was made for is read beside it (a run folder's
// config.json, a sweep's experiment.json for SWEEP/models/*.json), --task overrides, and a
// recorded task the lab cannot sample is refused naming the file.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findTask, requireTask, taskBeside, taskSamples } from "../../runtime/instruments/task.js";
import { DEFAULT_SPECS, makeDataset } from "../../runtime/tasks/data.js";
import { makeRng } from "../../runtime/random.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-task-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function write(file: string, json: unknown): string {
  const full = path.join(root, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, JSON.stringify(json));
  return full;
}

describe("taskBeside", () => {
  it("reads a run folder's config.json, from the folder or its final-model.json", () => {
    const spec = { task: "counter", oPt: "c", oFt: "d", q: 2, length: 8 };
    write("sweep/runs/FT-x/config.json", { run: {}, task: spec });
    write("sweep/runs/FT-x/final-model.json", {});
    expect(taskBeside(path.join(root, "sweep/runs/FT-x"))?.spec).toEqual(spec);
    expect(taskBeside(path.join(root, "sweep/runs/FT-x/final-model.json"))?.spec).toEqual(spec);
  });

  it("reads a sweep's experiment.json for its models/ files, and nothing for a bare file", () => {
    write("sweep/experiment.json", { name: "s", task: "max_identifier", oPt: 5, oFt: 7, q: 3, length: 10 });
    const pt = write("sweep/models/pt.json", {});
    expect(taskBeside(pt)).toEqual({ spec: { task: "max_identifier", oPt: 5, oFt: 7, q: 3, length: 10 }, from: path.join(root, "sweep/experiment.json") });
    expect(taskBeside(write("lone/model.json", {}))).toBeNull();
  });

  it("refuses a recorded task the lab cannot sample, naming the file", () => {
    const cfg = write("bad/runs/r/config.json", { task: { task: "counter", oPt: "a", oFt: "a", q: 1, length: 10 } });
    expect(() => taskBeside(path.dirname(cfg))).toThrow(/config\.json: its task is not one the lab can sample: oPt and oFt must differ/);
  });
});

describe("findTask", () => {
  it("--task wins with the lab's default operands; otherwise the first model that records one", () => {
    expect(findTask([path.join(root, "sweep/models/pt.json")], "counter")).toEqual({ spec: DEFAULT_SPECS.counter, from: "--task" });
    expect(findTask([path.join(root, "lone/model.json"), path.join(root, "sweep/runs/FT-x")])?.spec.oPt).toBe("c");
    expect(findTask([path.join(root, "lone/model.json")])).toBeNull();
    expect(() => findTask([], "sorting")).toThrow(/--task must be counter or max_identifier, got "sorting"/);
    expect(() => requireTask(null, "--sample")).toThrow(/^--sample needs the model's task, .*give --task counter or --task max_identifier$/);
  });

  it("taskSamples draws what raspc data draws for the same count, seed and fraction", () => {
    expect(taskSamples(DEFAULT_SPECS.counter, 50, 3, 0.5)).toEqual(makeDataset(DEFAULT_SPECS.counter, 50, 0.5, makeRng(3)));
  });
});
