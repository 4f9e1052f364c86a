// Preloaded into s3rver (NODE_OPTIONS=--require) by the C++ harness: exit
// when the test process that started us is gone, so a crashed test binary
// (an ASan abort, a timeout kill) leaves no s3rver behind.
'use strict';
const expected = Number(process.env.EFSTOP_PARENT_PID || 0);
if (expected > 0) {
  setInterval(() => {
    if (process.ppid !== expected) process.exit(0);
  }, 500).unref();
}
