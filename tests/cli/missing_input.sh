# One missing input among good ones: reported, the rest counted, the report
# marked partial (the notice shows even with --quiet), exit 3.
efstop --output csv --quiet nointerface.log no-such.log
