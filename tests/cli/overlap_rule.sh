efstop --output json --quiet nointerface.log
