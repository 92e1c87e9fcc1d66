// Lint: the recommended JavaScript and TypeScript rules; `any` needs a reason in a comment; and the
// layering rule (docs/compiler.md, "Layout"): imports run one way. `compiler/` (language → rasp →
// interpreter → passes → craft → model → export) never imports `runtime/`; only the CLI
// (`compiler/cli/`) may, since it is the one place that drives both. `runtime/` never imports the
// CLI. And one way to compile: only compiler/compileFile.ts calls the driver (passes/compile.ts).
// Relative imports are matched on the folder they name, whatever the number of `../`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Each restriction is two rules: static imports and re-exports (no-restricted-imports), and dynamic
// `import("...")` (no-restricted-syntax), which no-restricted-imports does not see. ESLint does not
// merge one rule's options across config blocks, so every block lists all that apply to its files.
const restrict = (...rules) => ({
  "no-restricted-imports": ["error", { patterns: rules.map(({ regex, message }) => ({ regex, message })) }],
  "no-restricted-syntax": ["error", ...rules.map(({ regex, message }) => ({ selector: `ImportExpression[source.value=/${regex.replaceAll("/", "\\/")}/]`, message }))],
});
const noRuntime = {
  regex: "^(\\.\\./)+runtime(/|$)",
  message: "layering: compiler/ never imports runtime/ (only compiler/cli/ may); move the shared piece into compiler/ or the caller into runtime/.",
};
const noCli = {
  regex: "^(\\.\\./)+compiler/cli(/|$)",
  message: "layering: runtime/ never imports the CLI (compiler/cli/); emit events or return values and let the CLI present them.",
};
// One way to compile: compileFile checks the options once and records the source the same way
// for every caller; the driver it calls (passes/compile.ts) is not a second entry point.
const oneCompile = {
  regex: "(^|/)passes/compile\\.js$",
  message: "one way to compile: call compileFile (compiler/compileFile.ts; `read` takes a program held in memory), not the driver passes/compile.ts.",
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".scratch/**", "runs/**", "fuzz-failures/**", "demo-out/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  { files: ["compiler/**/*.ts"], ignores: ["compiler/cli/**", "compiler/compileFile.ts", "compiler/passes/**"], rules: restrict(noRuntime, oneCompile) },
  { files: ["compiler/compileFile.ts", "compiler/passes/**/*.ts"], rules: restrict(noRuntime) },
  { files: ["compiler/cli/**/*.ts", "test/**/*.ts", "bench/**/*.ts"], rules: restrict(oneCompile) },
  { files: ["runtime/**/*.ts"], rules: restrict(noCli, oneCompile) },
);
