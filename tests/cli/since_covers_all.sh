# --since is relative to now; 10000 days (27 years) reaches back before the fixture.
efstop --since 10000d --output csv --quiet pairs.log
