// Two projects: `unit` (everything that runs in-process and quickly: `npm run test:unit`, about a
// minute on an idle 2-core machine) and `integration` (the built CLI end to end, training runs, the
// fuzzer's CLI). `npm test` runs both.
import { defineConfig } from "vitest/config";

const integration = [
  "test/cli/**/*.test.ts",
  "test/**/cli.test.ts",
  "test/fuzz/fuzz.test.ts",
  "test/train/loop.test.ts",
  "test/train/maxIdentifier.test.ts",
];
const shared = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: "unit", include: ["test/**/*.test.ts"], exclude: ["dist/**", "node_modules/**", ...integration] } },
      { test: { ...shared, name: "integration", include: integration, exclude: ["dist/**", "node_modules/**"] } },
    ],
  },
});
