// `load` stays inside the top-level file's folder tree unless allowed (symbolic links resolved), and
// a file that is not named .rasp is never echoed in a diagnostic, only named.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { evaluateSOp } from "../../compiler/rasp/evaluate.js";
import { expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";
import { raspError } from "./helpers.js";

const SECRET = "root:x:0:0:SECRET_TOKEN:/root:/bin/bash\n";

describe("load confinement", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "raspc-confine-")));
    const write = (f: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text);
    };
    write("secret/passwd", SECRET);
    write("secret/lib.rasp", "def rev(x) {\n  return x;\n}\n");
    write("proj/lib.rasp", "def id(x) {\n  return x;\n}\n");
    write("proj/sub/deep.rasp", 'load "../lib.rasp";\nout = id(tokens);\n');
    write("proj/main.rasp", 'load "sub/deep.rasp";\n');
    write("proj/escape.rasp", 'load "../secret/passwd";\nout = tokens;\n');
    write("proj/escape2.rasp", 'load "../secret/lib.rasp";\nout = tokens;\n');
    write("proj/link.rasp", 'load "inside.rasp";\nout = tokens;\n');
    write("proj/notrasp.rasp", 'load "data.txt";\nout = tokens;\n');
    write("proj/data.txt", SECRET);
    fs.symlinkSync(path.join(dir, "secret", "lib.rasp"), path.join(dir, "proj", "inside.rasp"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const p = (f: string) => path.join(dir, "proj", f);

  it("allows loads anywhere inside the top-level file's tree, ../ included while inside", () => {
    expect(evaluateSOp(outputSOp(loadProgram(p("main.rasp"))), ["a", "b"])).toEqual(["a", "b"]);
  });

  it("refuses a load that leaves the tree, at the load's path, without reading it", () => {
    const e = raspError(() => loadProgram(p("escape2.rasp")));
    expect(e.message).toMatch(/^cannot load "\.\.\/secret\/lib\.rasp": it is outside the top-level file's folder \(.*proj\); pass --allow-outside to allow it$/);
    expect(e.at).toBe("1:6-25");
    expect(outputSOp(loadProgram(p("escape2.rasp"), undefined, new Map(), true)).label).toBe("tokens");
  });

  it("resolves symbolic links first: a link inside the tree to a file outside is refused", () => {
    expect(raspError(() => loadProgram(p("link.rasp"))).message).toMatch(/^cannot load "inside\.rasp": it is outside/);
  });

  it("never echoes a file that is not named .rasp: its name and the place of the error only", () => {
    const loaded = raspError(() => loadProgram(p("notrasp.rasp")));
    expect(loaded.message).toBe('cannot load "data.txt": not a RASP program (a syntax error at line 1, column 5; its name does not end in .rasp, so its text is not shown)');
    let top: unknown;
    try {
      loadProgram(path.join(dir, "secret", "passwd"));
    } catch (e) {
      top = e;
    }
    expect(top).toBeInstanceOf(UsageError);
    expect((top as Error).message).not.toContain("SECRET");
    expect((top as Error).message).not.toContain("root");
  });
});

describe.concurrent("load confinement on the command line", () => {
  afterAll(removeScratch);

  it("check refuses ../../../../etc/passwd in one diagnostic without echoing it, and --allow-outside names it only", async () => {
    const d = scratch({ "a/b/p.rasp": 'load "../../../../../../../../etc/passwd";\nout = tokens;\n' });
    const r = await raspc(["check", "a/b/p.rasp"], { cwd: d });
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^a\/b\/p\.rasp:1:6: error: cannot load ".*etc\/passwd": it is outside the top-level file's folder \(a\/b\); pass --allow-outside to allow it\n/);
    expect(r.stderr).not.toContain("root");
    if (fs.existsSync("/etc/passwd")) {
      const allowed = await raspc(["check", "a/b/p.rasp", "--allow-outside"], { cwd: d });
      expect(allowed.code).toBe(1);
      expect(allowed.stderr).toMatch(/not a RASP program \(a syntax error at line \d+, column \d+; its name does not end in \.rasp, so its text is not shown\)/);
      expect(allowed.stderr).not.toContain("root");
    }
  });

  it("experiment refuses a config program outside the config's folder, and never echoes a non-RASP program", async () => {
    const d = scratch({ "cfg/c.json": JSON.stringify({ task: "counter", preset: "quick", program: "../secret.txt" }), "secret.txt": SECRET, "cfg/d.json": JSON.stringify({ task: "counter", preset: "quick", program: "s.txt" }), "cfg/s.txt": SECRET });
    const outside = await raspc(["experiment", "cfg/c.json", "--out", "out"], { cwd: d });
    expect(outside.stderr).toBe("raspc: cfg/c.json: program: ../secret.txt is outside the config's folder (cfg); pass --allow-outside to allow it\n");
    const inside = await raspc(["experiment", "cfg/d.json", "--out", "out"], { cwd: d, timeoutMs: 30_000 });
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(/^raspc: cfg\/d\.json: program: \S*cfg\/s\.txt: not a RASP program \(a syntax error at line 1, column 5; its name does not end in \.rasp, so its text is not shown\)\n$/);
    expect(fs.existsSync(path.join(d, "out"))).toBe(false);
  });
});
