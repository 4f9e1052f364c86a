# Help and version go to stdout and exit 0. (Only the lines that do not change
# when a command is added are compared from the overview.)
efstop --help | sed -n '1,4p'
efstop --help | grep '^  top ' | tr -s ' '
echo ---
efstop help top
echo ---
efstop top --help | head -n 3
echo ---
# The names of the --version lines (their values: version_libraries.sh).
efstop --version | cut -d: -f1
efstop top --version | head -n 1
