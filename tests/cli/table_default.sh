# The default command and format: a table with IEC units, the summary on stderr.
efstop pairs.log
