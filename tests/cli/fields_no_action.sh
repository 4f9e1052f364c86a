# No action field: every OK record counts as ACCEPT; the NODATA row is still nodata.
efstop --output json --quiet --threads 1 no_action.log
