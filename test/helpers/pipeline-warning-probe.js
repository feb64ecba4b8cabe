// Preloaded into a child process (NODE_OPTIONS=--require <this file>): prints every process warning as one line,
// `[process-warning] {"name":…,"message":…}`, so a test can assert on them (jest's own `process` is a copy
// that never sees warnings the runtime emits).
process.stdout.write('[process-warning] probe installed\n');
process.on('warning', (w) => {
  process.stdout.write(`[process-warning] ${JSON.stringify({ name: w.name, message: w.message })}\n`);
});
