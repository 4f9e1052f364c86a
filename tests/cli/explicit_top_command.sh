# "top" named explicitly, options after the source, --opt=value form.
efstop top pairs.log --output=csv --quiet
