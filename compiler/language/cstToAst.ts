// CST → AST in one visitor, as in Chevrotain's own examples. The CST mirrors the grammar's
// precedence levels; the AST keeps only what the program means, with a source range on every node.
import type { CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import { raspParser } from "./parser.js";
import * as T from "./lexer.js";

type Children = Record<string, (CstNode | IToken)[] | undefined>;

function isToken(x: CstNode | IToken): x is IToken {
  return (x as IToken).image !== undefined;
}

/** The source range of one token (tokens inserted by error recovery have none; callers check). */
export function tokenRange(file: string, t: IToken): A.SourceRange {
  return {
    file,
    startOffset: t.startOffset,
    endOffset: (t.endOffset ?? t.startOffset) + 1,
    startLine: t.startLine ?? 1,
    startColumn: t.startColumn ?? 1,
    endLine: t.endLine ?? t.startLine ?? 1,
    endColumn: t.endColumn ?? t.startColumn ?? 1,
  };
}

function join(a: A.SourceRange, b: A.SourceRange): A.SourceRange {
  return { ...a, endOffset: b.endOffset, endLine: b.endLine, endColumn: b.endColumn };
}

/** All tokens of a CST node, in source order, to compute its range. */
function firstLastTokens(node: CstNode): [IToken, IToken] | null {
  let first: IToken | null = null;
  let last: IToken | null = null;
  const visit = (n: CstNode): void => {
    for (const list of Object.values(n.children)) {
      for (const c of list ?? []) {
        if (isToken(c)) {
          if (Number.isNaN(c.startOffset)) continue; // tokens inserted by error recovery have no place
          if (!first || c.startOffset < first.startOffset) first = c;
          if (!last || c.startOffset > last.startOffset) last = c;
        } else visit(c);
      }
    }
  };
  visit(node);
  return first && last ? [first, last] : null;
}

const BaseVisitor = raspParser().getBaseCstVisitorConstructor();

class AstBuilder extends BaseVisitor {
  constructor(private readonly file: string) {
    super();
    this.validateVisitor();
  }

  private range(node: CstNode): A.SourceRange {
    const ft = firstLastTokens(node);
    if (!ft) return { file: this.file, startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
    return join(tokenRange(this.file, ft[0]), tokenRange(this.file, ft[1]));
  }

  private nodes(c: Children, key: string): CstNode[] {
    return (c[key] ?? []).filter((x): x is CstNode => !isToken(x));
  }

  private tokens(c: Children, key: string): IToken[] {
    return (c[key] ?? []).filter(isToken);
  }

  private expr(node: CstNode): A.Expr {
    return this.visit(node) as A.Expr;
  }

  program(c: Children): A.Statement[] {
    return this.nodes(c, "statement").map((s) => this.visit(s) as A.Statement);
  }

  statement(c: Children): A.Statement {
    const [inner] = Object.values(c).flat() as CstNode[];
    return this.visit(inner!) as A.Statement;
  }

  assignment(c: Children, _p?: unknown): A.AssignStatement {
    const targets = this.visit(this.nodes(c, "idsList")[0]!) as A.Identifier[];
    const values = this.visit(this.nodes(c, "exprsList")[0]!) as A.Expr[];
    const semi = this.tokens(c, "Semicolon")[0];
    const start = targets[0]!.range;
    return { kind: "assign", targets, values, range: semi ? join(start, tokenRange(this.file, semi)) : start };
  }

  exprStatement(c: Children): A.ExprStatement {
    const expr = this.expr(this.nodes(c, "expression")[0]!);
    return { kind: "expr", expr, range: expr.range };
  }

  loadStatement(c: Children): A.LoadStatement {
    const kw = this.tokens(c, "Load")[0]!;
    const str = this.tokens(c, "StringLiteral")[0]!;
    return { kind: "load", path: str.image.slice(1, -1), pathRange: tokenRange(this.file, str), range: join(tokenRange(this.file, kw), tokenRange(this.file, str)) };
  }

  functionDef(c: Children): A.FunctionDef {
    const nameTok = this.tokens(c, "Identifier")[0]!;
    const ids = this.nodes(c, "idsList")[0];
    const params = ids ? (this.visit(ids) as A.Identifier[]) : [];
    const body = this.nodes(c, "statement").map((s) => this.visit(s) as A.Statement);
    const ret = this.nodes(c, "returnStatement")[0];
    const returns = ret ? (this.visit(ret) as A.Expr[]) : [];
    return {
      kind: "def",
      name: { name: nameTok.image, range: tokenRange(this.file, nameTok) },
      params,
      body,
      returns,
      range: join(tokenRange(this.file, this.tokens(c, "Def")[0]!), tokenRange(this.file, nameTok)),
    };
  }

  returnStatement(c: Children): A.Expr[] {
    return this.visit(this.nodes(c, "exprsList")[0]!) as A.Expr[];
  }

  forLoop(c: Children): A.ForLoop {
    const targets = this.visit(this.nodes(c, "idsList")[0]!) as A.Identifier[];
    const iterable = this.expr(this.nodes(c, "expression")[0]!);
    const body = this.nodes(c, "statement").map((s) => this.visit(s) as A.Statement);
    return { kind: "for", targets, iterable, body, range: join(tokenRange(this.file, this.tokens(c, "For")[0]!), iterable.range) };
  }

  idsList(c: Children): A.Identifier[] {
    return this.tokens(c, "Identifier").map((t) => ({ name: t.image, range: tokenRange(this.file, t) }));
  }

  exprsList(c: Children): A.Expr[] {
    return this.nodes(c, "expression").map((e) => this.expr(e));
  }

  expression(c: Children): A.Expr {
    return this.expr(this.nodes(c, "inExpr")[0]!);
  }

  /** Left-associative chain `operand (op operand)*` → nested binary nodes. */
  private leftChain(operands: CstNode[], ops: IToken[]): A.Expr {
    let acc = this.expr(operands[0]!);
    ops.sort((a, b) => a.startOffset - b.startOffset);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const right = this.expr(operands[i + 1]!);
      acc = { kind: "binary", op: op.image as A.BinaryOp, left: acc, right, opRange: tokenRange(this.file, op), range: join(acc.range, right.range) };
    }
    return acc;
  }

  private opTokens(c: Children, ...names: string[]): IToken[] {
    return names.flatMap((n) => this.tokens(c, n));
  }

  inExpr(c: Children): A.Expr {
    return this.leftChain(this.nodes(c, "ternaryExpr"), this.opTokens(c, "In"));
  }

  ternaryExpr(c: Children): A.Expr {
    const branches = this.nodes(c, "logicalExpr");
    const conds = this.nodes(c, "expression");
    let acc = this.expr(branches[0]!);
    for (let i = 0; i < conds.length; i++) {
      const cond = this.expr(conds[i]!);
      const otherwise = this.expr(branches[i + 1]!);
      acc = { kind: "ternary", then: acc, cond, otherwise, range: join(acc.range, otherwise.range) };
    }
    return acc;
  }

  logicalExpr(c: Children): A.Expr {
    return this.leftChain(this.nodes(c, "comparisonExpr"), this.opTokens(c, "And", "Or"));
  }

  comparisonExpr(c: Children): A.Expr {
    return this.leftChain(this.nodes(c, "additiveExpr"), this.opTokens(c, "ComparisonOp"));
  }

  additiveExpr(c: Children): A.Expr {
    return this.leftChain(this.nodes(c, "moduloExpr"), this.opTokens(c, "Plus", "Minus"));
  }

  moduloExpr(c: Children): A.Expr {
    return this.leftChain(this.nodes(c, "multiplicativeExpr"), this.opTokens(c, "Percent"));
  }

  multiplicativeExpr(c: Children): A.Expr {
    return this.leftChain(this.nodes(c, "powerExpr"), this.opTokens(c, "Star", "Slash"));
  }

  powerExpr(c: Children): A.Expr {
    return this.leftChain(this.nodes(c, "unaryExpr"), this.opTokens(c, "Caret"));
  }

  unaryExpr(c: Children): A.Expr {
    const inner = this.nodes(c, "unaryExpr")[0];
    if (inner) {
      const op = this.opTokens(c, "Not", "Minus", "Plus")[0]!;
      const operand = this.expr(inner);
      return { kind: "unary", op: op.image as A.UnaryExpr["op"], operand, range: join(tokenRange(this.file, op), operand.range) };
    }
    return this.expr(this.nodes(c, "postfixExpr")[0]!);
  }

  postfixExpr(c: Children): A.Expr {
    let acc = this.expr(this.nodes(c, "primary")[0]!);
    const suffixes = [...this.nodes(c, "indexSuffix"), ...this.nodes(c, "callSuffix")].sort(
      (a, b) => this.range(a).startOffset - this.range(b).startOffset,
    );
    for (const s of suffixes) {
      const range = join(acc.range, this.range(s));
      if (s.name === "indexSuffix") {
        acc = { kind: "index", target: acc, index: this.expr(this.nodes(s.children, "expression")[0]!), range };
      } else {
        const list = this.nodes(s.children, "exprsList")[0];
        acc = { kind: "call", callee: acc, args: list ? (this.visit(list) as A.Expr[]) : [], range };
      }
    }
    return acc;
  }

  indexSuffix(): never {
    throw new Error("handled by postfixExpr");
  }

  callSuffix(): never {
    throw new Error("handled by postfixExpr");
  }

  primary(c: Children, _p?: unknown): A.Expr {
    for (const [key, list] of Object.entries(c)) {
      const first = list?.[0];
      if (!first) continue;
      if (!isToken(first)) return this.expr(first);
      const range = tokenRange(this.file, first);
      switch (key) {
        case "Identifier":
          return { kind: "name", name: first.image, range };
        case "IntLiteral":
        case "FloatLiteral":
          return { kind: "number", value: Number(first.image), range };
        case "StringLiteral":
          return { kind: "string", value: first.image.slice(1, -1), range };
      }
    }
    throw new Error("empty primary");
  }

  parenthesised(c: Children): A.Expr {
    return this.expr(this.nodes(c, "expression")[0]!);
  }

  builtinUnary(c: Children, _p?: unknown): A.Expr {
    const op = this.opTokens(c, "Round", "Indicator")[0]!;
    const operand = this.expr(this.nodes(c, "expression")[0]!);
    const close = this.tokens(c, "RParen")[0];
    return { kind: "builtinUnary", op: op.image as "round" | "indicator", operand, range: join(tokenRange(this.file, op), close ? tokenRange(this.file, close) : operand.range) };
  }

  private callRange(c: Children, kw: string): A.SourceRange {
    const start = tokenRange(this.file, this.tokens(c, kw)[0]!);
    const close = this.tokens(c, "RParen")[0];
    return close && !Number.isNaN(close.startOffset) ? join(start, tokenRange(this.file, close)) : start;
  }

  selectExpr(c: Children): A.Expr {
    const [keys, queries] = this.nodes(c, "expression").map((e) => this.expr(e));
    const op = this.tokens(c, "ComparisonOp")[0]!;
    return { kind: "select", keys: keys!, queries: queries!, op: op.image as A.Comparison, range: this.callRange(c, "Select") };
  }

  aggregateExpr(c: Children): A.Expr {
    const [selector, sop, dflt] = this.nodes(c, "expression").map((e) => this.expr(e));
    return { kind: "aggregate", selector: selector!, sop: sop!, default: dflt ?? null, range: this.callRange(c, "Aggregate") };
  }

  rangeExpr(c: Children): A.Expr {
    return { kind: "range", args: this.visit(this.nodes(c, "exprsList")[0]!) as A.Expr[], range: this.callRange(c, "Range") };
  }

  zipExpr(c: Children): A.Expr {
    return { kind: "zip", args: this.visit(this.nodes(c, "exprsList")[0]!) as A.Expr[], range: this.callRange(c, "Zip") };
  }

  lenExpr(c: Children): A.Expr {
    return { kind: "len", arg: this.expr(this.nodes(c, "expression")[0]!), range: this.callRange(c, "Len") };
  }

  listExpr(c: Children, _p?: unknown): A.Expr {
    const range = this.range({ name: "listExpr", children: c } as CstNode);
    const items = this.nodes(c, "expression").map((e) => this.expr(e));
    const tail = this.nodes(c, "comprehensionTail")[0];
    if (tail) {
      const { targets, iterable } = this.visit(tail) as { targets: A.Identifier[]; iterable: A.Expr };
      return { kind: "listComp", value: items[0]!, targets, iterable, range };
    }
    return { kind: "list", items, range };
  }

  dictExpr(c: Children): A.Expr {
    const range = this.range({ name: "dictExpr", children: c } as CstNode);
    const entries = this.nodes(c, "dictEntry").map((e) => this.visit(e) as A.DictEntry);
    const tail = this.nodes(c, "comprehensionTail")[0];
    if (tail) {
      const { targets, iterable } = this.visit(tail) as { targets: A.Identifier[]; iterable: A.Expr };
      return { kind: "dictComp", key: entries[0]!.key, value: entries[0]!.value, targets, iterable, range };
    }
    return { kind: "dict", entries, range };
  }

  dictEntry(c: Children): A.DictEntry {
    const [key, value] = this.nodes(c, "expression").map((e) => this.expr(e));
    return { key: key!, value: value! };
  }

  comprehensionTail(c: Children): { targets: A.Identifier[]; iterable: A.Expr } {
    return {
      targets: this.visit(this.nodes(c, "idsList")[0]!) as A.Identifier[],
      iterable: this.expr(this.nodes(c, "expression")[0]!),
    };
  }
}

export function cstToAst(file: string, cst: CstNode): A.Statement[] {
  return new AstBuilder(file).visit(cst) as A.Statement[];
}

// Exported for the parser front end, which maps token types to words in error messages.
export const tokenVocabulary = T;
