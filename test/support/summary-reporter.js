/**
 * Prints the slowest suites (where CI's time goes) and then the plain closing line CI reads:
 * "N passed, N failed".
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const slowest = results.testResults
      .map((r) => ({ file: r.testFilePath, seconds: (r.perfStats.end - r.perfStats.start) / 1000 }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 10);
    if (slowest.length > 0) {
      process.stdout.write('\nslowest suites:\n');
      for (const s of slowest) process.stdout.write(`  ${s.seconds.toFixed(1).padStart(7)} s  ${s.file.slice(process.cwd().length + 1)}\n`);
    }
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
