efstop --start "2026-11-26 14:01:40" --end 2026-11-26T14:06:00Z --output json --quiet pairs.log
