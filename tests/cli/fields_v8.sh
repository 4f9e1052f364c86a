# A version-8 custom format (42 fields: ECS, reject-reason, resource-id, encryption-status
# among them) read by name from the header line; the fields efstop does not count are
# ignored.
efstop --output json --quiet --threads 1 v8.log
