// The typed syntax tree of a RASP program. Every node carries the source range it came from, so
// that every later stage (checker, interpreter, compiler) can point at the user's text.

export interface SourceRange {
  readonly file: string;
  readonly startOffset: number;
  readonly endOffset: number;
  /** 1-based. */
  readonly startLine: number;
  /** 1-based. */
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** The six comparisons of `select` and of elementwise comparison. */
export type Comparison = "==" | "!=" | "<" | "<=" | ">" | ">=";

export type ArithmeticOp = "+" | "-" | "*" | "/" | "%" | "^";
export type BinaryOp = ArithmeticOp | Comparison | "and" | "or" | "in";

export interface Identifier {
  readonly name: string;
  readonly range: SourceRange;
}

interface Node {
  readonly range: SourceRange;
}

export interface NumberLiteral extends Node { readonly kind: "number"; readonly value: number }
export interface StringLiteral extends Node { readonly kind: "string"; readonly value: string }
export interface NameRef extends Node { readonly kind: "name"; readonly name: string }
export interface UnaryExpr extends Node { readonly kind: "unary"; readonly op: "not" | "-" | "+"; readonly operand: Expr }
/** `round(e)` and `indicator(e)`: keywords in Weiss's grammar, not functions. */
export interface BuiltinUnaryExpr extends Node { readonly kind: "builtinUnary"; readonly op: "round" | "indicator"; readonly operand: Expr }
export interface BinaryExpr extends Node {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  /** Where the operator itself is, for error messages about it. */
  readonly opRange: SourceRange;
}
/** `then if cond else otherwise` */
export interface TernaryExpr extends Node { readonly kind: "ternary"; readonly then: Expr; readonly cond: Expr; readonly otherwise: Expr }
/** `select(keys, queries, op)`: query q selects key k when `op(keys[k], queries[q])`. */
export interface SelectExpr extends Node { readonly kind: "select"; readonly keys: Expr; readonly queries: Expr; readonly op: Comparison }
export interface AggregateExpr extends Node { readonly kind: "aggregate"; readonly selector: Expr; readonly sop: Expr; readonly default: Expr | null }
export interface CallExpr extends Node { readonly kind: "call"; readonly callee: Expr; readonly args: readonly Expr[] }
export interface IndexExpr extends Node { readonly kind: "index"; readonly target: Expr; readonly index: Expr }
export interface ListExpr extends Node { readonly kind: "list"; readonly items: readonly Expr[] }
export interface DictEntry { readonly key: Expr; readonly value: Expr }
export interface DictExpr extends Node { readonly kind: "dict"; readonly entries: readonly DictEntry[] }
export interface ListComprehension extends Node {
  readonly kind: "listComp";
  readonly value: Expr;
  readonly targets: readonly Identifier[];
  readonly iterable: Expr;
}
export interface DictComprehension extends Node {
  readonly kind: "dictComp";
  readonly key: Expr;
  readonly value: Expr;
  readonly targets: readonly Identifier[];
  readonly iterable: Expr;
}
export interface RangeExpr extends Node { readonly kind: "range"; readonly args: readonly Expr[] }
export interface ZipExpr extends Node { readonly kind: "zip"; readonly args: readonly Expr[] }
export interface LenExpr extends Node { readonly kind: "len"; readonly arg: Expr }

export type Expr =
  | NumberLiteral | StringLiteral | NameRef | UnaryExpr | BuiltinUnaryExpr | BinaryExpr | TernaryExpr
  | SelectExpr | AggregateExpr | CallExpr | IndexExpr | ListExpr | DictExpr | ListComprehension
  | DictComprehension | RangeExpr | ZipExpr | LenExpr;

export interface AssignStatement extends Node { readonly kind: "assign"; readonly targets: readonly Identifier[]; readonly values: readonly Expr[] }
export interface ExprStatement extends Node { readonly kind: "expr"; readonly expr: Expr }
export interface FunctionDef extends Node {
  readonly kind: "def";
  readonly name: Identifier;
  readonly params: readonly Identifier[];
  readonly body: readonly Statement[];
  readonly returns: readonly Expr[];
}
export interface ForLoop extends Node { readonly kind: "for"; readonly targets: readonly Identifier[]; readonly iterable: Expr; readonly body: readonly Statement[] }
export interface LoadStatement extends Node { readonly kind: "load"; readonly path: string; readonly pathRange: SourceRange }

export type Statement = AssignStatement | ExprStatement | FunctionDef | ForLoop | LoadStatement;

export interface Program {
  readonly file: string;
  readonly source: string;
  readonly statements: readonly Statement[];
}
