# tests/lib/sarif.sh - validate a SARIF file against the SARIF 2.1.0 JSON schema
# (fetched by scripts/deps.sh) with python3-jsonschema, uri formats included.
# sarif_validate FILE DESC: one check; returns 2 (and checks nothing) when the
# schema or the python modules are missing.
sarif_validate() {
	_schema=${XDG_CACHE_HOME:-$HOME/.cache}/migrate/sarif-2.1.0-rtm.5.json
	if ! [ -s "$_schema" ] || ! /usr/bin/python3 -c 'import jsonschema, rfc3987' 2>/dev/null; then
		return 2
	fi
	if /usr/bin/python3 - "$_schema" "$1" >"$T_WORK/sarif-check.out" 2>&1 <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
errors = list(jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(doc))
for e in errors[:10]:
    print("/".join(map(str, e.path)), e.message)
sys.exit(1 if errors else 0)
PY
	then t_ok "$2"
	else t_not_ok "$2" "$(cat "$T_WORK/sarif-check.out")"
	fi
}
