// CST → AST in one visitor. Reading a probability's inside happens here, so a malformed one gets a
// located diagnostic of its own; the visitor collects those and keeps going.
import type { CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import { tokenRange } from "../language/cstToAst.js";
import type { Diagnostic } from "../language/diagnostics.js";
import { pcfgParser } from "./parser.js";

type Children = Record<string, (CstNode | IToken)[] | undefined>;

function isToken(x: CstNode | IToken): x is IToken {
  return (x as IToken).image !== undefined;
}

const DECIMAL = "[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?";
const NUMBER = new RegExp(`^${DECIMAL}$`);
const FRACTION = new RegExp(`^(${DECIMAL})\\s*/\\s*(${DECIMAL})$`);

/** The value of a probability's inside (`0.5`, `1e-3`, `1/3`), or why it is not one. */
export function probabilityValue(inside: string): number | string {
  if (NUMBER.test(inside)) return Number(inside);
  const f = FRACTION.exec(inside);
  if (f) {
    const [n, d] = [Number(f[1]), Number(f[2])];
    if (d === 0) return `the fraction [${inside}] divides by zero`;
    return n / d;
  }
  return `expected a probability such as [0.5], [.5], [1e-3] or [1/3], found [${inside}]`;
}

const BaseVisitor = pcfgParser().getBaseCstVisitorConstructor();

/** One per file: collects the diagnostics of the lines it builds. */
export class PcfgAstBuilder extends BaseVisitor {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly file: string) {
    super();
    this.validateVisitor();
  }

  private nodes(c: Children, key: string): CstNode[] {
    return (c[key] ?? []).filter((x): x is CstNode => !isToken(x));
  }

  private tokens(c: Children, key: string): IToken[] {
    return (c[key] ?? []).filter(isToken);
  }

  private range(t: IToken): A.SourceRange {
    return tokenRange(this.file, t);
  }

  private span(first: IToken, last: IToken): A.SourceRange {
    const a = this.range(first);
    const b = this.range(last);
    return { ...a, endOffset: b.endOffset, endLine: b.endLine, endColumn: b.endColumn };
  }

  line(c: Children): A.StartDirective | A.Production {
    const [inner] = [...this.nodes(c, "directive"), ...this.nodes(c, "production")];
    return this.visit(inner!) as A.StartDirective | A.Production;
  }

  directive(c: Children): A.StartDirective | null {
    const d = this.tokens(c, "Directive")[0]!;
    const nt = this.tokens(c, "Nonterminal")[0]!;
    if (d.image !== "%start") {
      this.diagnostics.push({ severity: "error", message: `unknown directive '${d.image}'; the only directive is %start`, range: this.range(d) });
      return null;
    }
    return { name: { kind: "nonterminal", name: nt.image, range: this.range(nt) }, range: this.span(d, nt) };
  }

  production(c: Children): A.Production {
    const lhsTok = this.tokens(c, "Nonterminal")[0]!;
    const lhs: A.NonterminalRef = { kind: "nonterminal", name: lhsTok.image, range: this.range(lhsTok) };
    const arrow = this.tokens(c, "Arrow")[0]!;
    const alternatives = this.nodes(c, "alternative").map((n) => this.alternativeOf(n, arrow));
    const last = alternatives[alternatives.length - 1];
    return { lhs, alternatives, range: last ? { ...lhs.range, endOffset: last.range.endOffset, endLine: last.range.endLine, endColumn: last.range.endColumn } : lhs.range };
  }

  /** An empty alternative has no tokens of its own; it is placed just after the arrow or bar before it. */
  private alternativeOf(node: CstNode, arrow: IToken): A.Alternative {
    const alt = this.visit(node) as Omit<A.Alternative, "range"> & { tokens: IToken[] };
    const { tokens, ...rest } = alt;
    const range = tokens.length > 0 ? this.span(tokens[0]!, tokens[tokens.length - 1]!) : this.range(arrow);
    return { ...rest, range };
  }

  alternative(c: Children): Omit<A.Alternative, "range"> & { tokens: IToken[] } {
    const tokens = Object.values(c).flat().filter((x): x is IToken => x !== undefined && isToken(x)).sort((a, b) => a.startOffset - b.startOffset);
    const symbols: A.SymbolRef[] = [];
    const probabilities: A.ProbabilityLiteral[] = [];
    for (const t of tokens) {
      const range = this.range(t);
      if (t.tokenType.name === "Nonterminal") symbols.push({ kind: "nonterminal", name: t.image, range });
      else if (t.tokenType.name === "Terminal") symbols.push({ kind: "terminal", name: t.image.slice(1, -1), quote: t.image[0] as "'" | '"', range });
      else {
        const inside = t.image.slice(1, -1).trim();
        const value = probabilityValue(inside);
        if (typeof value === "string") this.diagnostics.push({ severity: "error", message: value, range });
        else probabilities.push({ text: inside, value, range });
      }
    }
    return { symbols, probabilities, tokens };
  }

  /** A line's AST (null for an unknown directive, which is reported in `diagnostics`). */
  lineAst(cst: CstNode): A.StartDirective | A.Production | null {
    return this.visit(cst) as A.StartDirective | A.Production | null;
  }
}
