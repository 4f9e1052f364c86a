# pairs.log has a malformed line: --strict writes no report and exits 1.
efstop --strict pairs.log
