# A directory is read recursively; the gzip part is found by its magic bytes.
efstop --output json --quiet dir
