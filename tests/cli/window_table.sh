# The window is shown in the summary.
efstop --start 1795701700 --end 1795701960 pairs.log
