# Every command's help, by `efstop help COMMAND` and by `COMMAND --help`
# (the first lines: the whole text is in help.stdout and docs/cli.md), and
# --version, globally and after the default command.
for c in top whoami inventory; do
  efstop help "$c" | head -n 1
  efstop "$c" --help | head -n 1
done
efstop --version | grep -c '^efstop [0-9]'
efstop top --version | grep -c '^efstop [0-9]'
