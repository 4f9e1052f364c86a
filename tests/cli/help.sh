# Help and version go to stdout and exit 0.
efstop --help
echo ---
efstop help top
echo ---
efstop top --help | head -n 3
echo ---
efstop --version
efstop top --version
