# Four pairs tie on flows: client address order, numerically (10.0.1.9 < 10.0.1.10).
efstop --sort flows --top 0 --output tsv --quiet pairs.log
