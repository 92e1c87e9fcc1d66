// Smaller versions of a program, for fast-check's shrinker: the program cut off at an earlier s-op,
// one statement bypassed (its readers read one of its operands instead), an operand replaced by a
// built-in or a plainer atom, a comparison or default made plainer. Candidates need not be
// well-typed: the shrinking property runs each one and keeps it only if it fails the same way, and a
// candidate the interpreter rejects fails differently.
import type { Atom } from "../../compiler/rasp/values.js";
import { compact, mapOperands, renderProgram, type Expr, type GeneratedProgram, type Operand, type Statement } from "./program.js";

const BUILTINS = ["tokens", "indices", "length"];

function isSelectorExpr(e: Expr): boolean {
  return e.op === "select" || e.op === "selectorAnd" || e.op === "selectorOr" || e.op === "selectorNot";
}

/** Every way of reading `name` in place of `old` in the statements after it. */
function replaceReads(statements: readonly Statement[], old: string, by: string): Statement[] {
  const swap = (n: string) => (n === old ? by : n);
  return statements.map((s) => ({ ...s, expr: mapOperands(s.expr, (o) => ("ref" in o ? { ref: swap(o.ref) } : o), swap) }));
}

/** The operands a statement could be replaced by for its readers: s-op refs for s-ops, selector names for selectors. */
function bypasses(e: Expr): string[] {
  switch (e.op) {
    case "selectorAnd":
    case "selectorOr":
      return [e.left, e.right];
    case "selectorNot":
      return [e.inner];
    case "select":
    case "selectorWidth":
      return [];
    default: {
      const refs: string[] = [];
      mapOperands(e, (o) => {
        if ("ref" in o) refs.push(o.ref);
        return o;
      });
      return refs;
    }
  }
}

/** Each operand position of an expression, with a way to put something else there. */
function operandSlots(e: Expr): { get: Operand; set: (o: Operand) => Expr }[] {
  const slots: { get: Operand; set: (o: Operand) => Expr }[] = [];
  let count = 0;
  mapOperands(e, (o) => {
    const at = count++;
    slots.push({
      get: o,
      set: (replacement) => {
        let i = 0;
        return mapOperands(e, (x) => (i++ === at ? replacement : x));
      },
    });
    return o;
  });
  return slots;
}

/**
 * Plainer atoms to try in place of `a`, plainest first: only ones before it in a fixed order, so
 * that shrinking cannot go round in circles (0 to 1 and back).
 */
function plainerAtoms(a: Atom, vocab: readonly Atom[]): Atom[] {
  const order: Atom[] = [0, 1, true, ...vocab];
  const rank = order.findIndex((x) => x === a);
  const before = rank < 0 ? order : order.slice(0, rank);
  // null: any atom will do (a read being replaced).
  return before.filter((x, i) => before.indexOf(x) === i && (a === null || typeof x === typeof a || (typeof a === "boolean" && typeof x === "number")));
}

/** Built-ins to try in place of a read of `name`: for a built-in, only those before it in BUILTINS. */
function plainerRefs(name: string): string[] {
  const rank = BUILTINS.indexOf(name);
  return rank < 0 ? BUILTINS : BUILTINS.slice(0, rank);
}

/** Plainer forms of the expression itself (comparison, default, annotation). */
function plainerExprs(s: Statement): Statement[] {
  const out: Statement[] = [];
  const e = s.expr;
  if (s.numerical) out.push({ ...s, numerical: false });
  if (s.categorical) out.push({ ...s, categorical: false });
  if (e.op === "select" && e.cmp !== "==") out.push({ ...s, expr: { ...e, cmp: "==" } });
  if (e.op === "aggregate" && e.default !== undefined) {
    const { default: _drop, ...rest } = e;
    out.push({ ...s, expr: rest });
    if (e.default !== 0) out.push({ ...s, expr: { ...e, default: 0 } });
  }
  if (e.op === "inList" && e.list.length > 1) out.push({ ...s, expr: { ...e, list: e.list.slice(0, 1) } });
  if (e.op === "index" && e.at !== 0) out.push({ ...s, expr: { ...e, at: 0 } });
  if (e.op === "binary" && e.sym !== "==" && e.sym !== "+") out.push({ ...s, expr: { ...e, sym: "+" } }, { ...s, expr: { ...e, sym: "==" } });
  if (e.op === "selectorOr") out.push({ ...s, expr: { op: "selectorAnd", left: e.left, right: e.right } });
  return out;
}

/** Smaller or plainer programs, biggest cuts first; each is compacted (dead statements dropped). */
export function* programShrinks(p: GeneratedProgram, vocab: readonly Atom[]): Generator<GeneratedProgram> {
  const st = p.statements;
  const seen = new Set<string>([renderProgram(p)]);
  const fresh = function* (statements: readonly Statement[]): Generator<GeneratedProgram> {
    if (statements.length === 0 || isSelectorExpr(statements.at(-1)!.expr)) return;
    const q = compact(statements);
    const text = renderProgram(q);
    if (seen.has(text)) return;
    seen.add(text);
    yield q;
  };
  // The program up to an earlier s-op, shortest first.
  for (let j = 0; j < st.length - 1; j++) yield* fresh(st.slice(0, j + 1));
  // One statement bypassed.
  for (let i = 0; i < st.length; i++) {
    for (const by of bypasses(st[i]!.expr)) {
      if (i === st.length - 1) continue; // the output's operand as output is a cut, above
      yield* fresh(replaceReads([...st.slice(0, i), ...st.slice(i + 1)], st[i]!.name, by));
    }
  }
  // An operand replaced by a built-in or a plainer atom.
  for (let i = 0; i < st.length; i++) {
    for (const slot of operandSlots(st[i]!.expr)) {
      // A read may also become an atom (the plainest ones), which turns a sequence map into a map.
      const options: Operand[] = "ref" in slot.get
        ? [...plainerRefs(slot.get.ref).map((ref) => ({ ref })), ...plainerAtoms(null, vocab).slice(0, 4).map((atom) => ({ atom }))]
        : plainerAtoms(slot.get.atom, vocab).map((atom) => ({ atom }));
      for (const o of options) yield* fresh(st.map((s, k) => (k === i ? { ...s, expr: slot.set(o) } : s)));
    }
  }
  for (let i = 0; i < st.length; i++) {
    for (const plainer of plainerExprs(st[i]!)) yield* fresh(st.map((s, k) => (k === i ? plainer : s)));
  }
}
