# A missing input in JSON: "partial": true, the input and its error listed;
# the rows are those of pairs.log alone (output_json.stdout); exit 3.
efstop --output json pairs.log no-such.log
