/**
 * A vitest reporter that ends every run with its slowest test files (set-up,
 * import and tests, as vitest times them), so whoever adds the next slow test
 * sees it where the run ends.
 */
import type { Reporter, TestModule } from "vitest/node";

const SHOWN = 10;

function fileSeconds(module: TestModule): number {
  const d = module.diagnostic();
  return (d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration) / 1000;
}

export default class SlowestFiles implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows = testModules
      .map((module) => ({ seconds: fileSeconds(module), project: module.project.name, file: module.relativeModuleId }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, SHOWN);
    if (rows.length === 0) return;
    const lines = rows.map((row) => `${row.seconds.toFixed(1).padStart(7)} s  ${row.project.padEnd(7)} ${row.file}`);
    process.stdout.write(`\nThe ${rows.length} slowest test files:\n${lines.join("\n")}\n`);
  }
}
