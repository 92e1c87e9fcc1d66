// Lint: the recommended JavaScript and TypeScript rules; `any` needs a reason in a comment; and the
// layering rule (docs/compiler.md, "Layout"): imports run one way. `compiler/` (language → rasp →
// interpreter → passes → craft → model → export) never imports `runtime/`; only the CLI
// (`compiler/cli/`) may, since it is the one place that drives both. `runtime/` never imports the
// CLI. Relative imports are matched on the folder they name, whatever the number of `../`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// One folder rule as two rules: static imports and re-exports (no-restricted-imports), and dynamic
// `import("...")` (no-restricted-syntax), which no-restricted-imports does not see.
const layering = (regex, message) => ({
  "no-restricted-imports": ["error", { patterns: [{ regex, message }] }],
  "no-restricted-syntax": ["error", { selector: `ImportExpression[source.value=/${regex.replaceAll("/", "\\/")}/]`, message }],
});

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
  {
    files: ["compiler/**/*.ts"],
    ignores: ["compiler/cli/**"],
    rules: layering(
      "^(\\.\\./)+runtime(/|$)",
      "layering: compiler/ never imports runtime/ (only compiler/cli/ may); move the shared piece into compiler/ or the caller into runtime/.",
    ),
  },
  {
    files: ["runtime/**/*.ts"],
    rules: layering(
      "^(\\.\\./)+compiler/cli(/|$)",
      "layering: runtime/ never imports the CLI (compiler/cli/); emit events or return values and let the CLI present them.",
    ),
  },
);
