efstop --strict --output csv nointerface.log no-such.log
