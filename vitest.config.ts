// Two projects: `unit` (everything that runs in-process and quickly: `npm run test:unit`, about a
// minute on an idle 2-core machine) and `integration` (the built CLI end to end, training runs, the
// fuzzer's CLI). `npm test` runs both. The unit files run without isolation: three quarters of the
// unit suite's time was each file importing TensorFlow.js, onnxruntime-node and the compiler anew
// (test/helpers/sharedModules.ts says what that asks of the tests).
import { defineConfig } from "vitest/config";

const integration = [
  "test/cli/**/*.test.ts",
  "test/**/cli.test.ts",
  "test/fuzz/fuzz.test.ts",
  "test/train/loop.test.ts",
  "test/train/maxIdentifier.test.ts",
  "test/pretrain/**/*.test.ts",
  // Headless Chromium on a report page, where it is installed (skipped otherwise).
  "test/report/chromium.test.ts",
  // These spawn the built CLI (or a node process on dist/) for what only a process shows: devices
  // and FIFOs, killed parents and locks, configs refused before writing, signals during writes.
  "test/common/boundedRead.test.ts",
  "test/common/tmpCleanup.test.ts",
  "test/experiment/sweepSafety.test.ts",
  "test/experiment/preflight.test.ts",
  "test/interpreter/loadConfinement.test.ts",
];
const shared = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: "unit", isolate: false, setupFiles: ["test/helpers/sharedModules.ts"], include: ["test/**/*.test.ts"], exclude: ["dist/**", "node_modules/**", ...integration] } },
      // The CLI under test is bundled from the current sources once per run (test/helpers/cliBundle.ts).
      { test: { ...shared, name: "integration", include: integration, exclude: ["dist/**", "node_modules/**"], globalSetup: ["test/helpers/cliBundle.ts"] } },
    ],
  },
});
