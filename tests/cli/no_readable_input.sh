efstop no-such.log
