#!/bin/sh
# Draws every diagram of the course from its source, beside it in this
# folder: NAME.dot with Graphviz's dot (apt-get install graphviz), NAME.puml
# with PlantUML (apt-get install plantuml), each into NAME.svg. Into each
# picture it writes the SHA-256 of its source, as an XML comment, so that
# docs/images_test.go can tell a picture that no longer matches its source.
#
#   sh docs/images/draw.sh              # every picture
#   sh docs/images/draw.sh NAME.dot     # only some
set -eu
cd "$(dirname "$0")"
[ "$#" -gt 0 ] || set -- *.dot *.puml
for src in "$@"; do
	name=${src%.*}
	case $src in
	*.dot) dot -Tsvg "$src" >"$name.svg.tmp" ;;
	*.puml) plantuml -tsvg -pipe <"$src" >"$name.svg.tmp" ;;
	*) echo "draw.sh: $src: not a .dot or .puml source" >&2; exit 1 ;;
	esac
	sum=$(sha256sum "$src" | cut -d ' ' -f 1)
	# The comment goes right after the XML declaration, which must stay first.
	sed "1s|?>|?><!-- source sha256: $sum $src -->|" "$name.svg.tmp" >"$name.svg"
	rm "$name.svg.tmp"
	grep -q "source sha256: $sum" "$name.svg" || { echo "draw.sh: $name.svg: no XML declaration to put the hash after" >&2; exit 1; }
	echo "drew $name.svg from $src"
done
