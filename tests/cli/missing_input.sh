# One missing input among good ones: reported, the rest counted, exit 0.
efstop --output csv --quiet nointerface.log no-such.log
