efstop --strict --output csv nointerface.log
