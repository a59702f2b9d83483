#!/usr/bin/env bash
# Run the shell examples of the docs and fail if one of them fails.
#
# Usage: docs/check-examples.sh [FILE.md ...]     (default: docs/*.md)
#
# Which blocks are checked: a fenced block whose info string is `sh` or
# `console` and whose first line is `# check` or `# check exit=N`. Other
# blocks are left alone.
#
#   ```sh       The whole block is one bash script (run with -e -o pipefail).
#               It must exit 0, or N when the marker says `exit=N`.
#
#   ```console  `$ ` starts a command; a line ending in `\` continues it on
#               the next line, and a here-document (`<<'EOF'`) runs to its
#               terminator line. The lines up to the next `$ ` are the output
#               the command must print on standard output (trailing white
#               space ignored; a line `...` stands for any number of lines).
#               Every command must exit 0, but the last, which must exit N
#               when the marker says `exit=N`. The commands of one block run
#               in one shell, so variables carry from one to the next.
#
# Every block runs from the repository root, in a fresh shell, with the
# release directory of cargo's target directory (built here by `cargo build
# --release`; CARGO_TARGET_DIR is honoured) first on PATH, so
# `mkimport` is the binary of this working tree (set MKIMPORT_BIN_DIR to a
# directory holding an already built `mkimport` to check that one instead).
# The examples use `jq` and `zip`, which must be installed. TMPDIR points
# into a scratch directory that is removed at the end, so the examples'
# `mktemp -d` and `${TMPDIR:-/tmp}` leave nothing behind.

set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

for tool in jq zip awk; do
    command -v "$tool" >/dev/null || { echo "check-examples: \`$tool\` is required" >&2; exit 1; }
done

if [ -n "${MKIMPORT_BIN_DIR:-}" ]; then
    # Check an already built binary instead (a directory holding mkimport).
    bin_dir=$(cd "$MKIMPORT_BIN_DIR" && pwd) || exit 1
else
    # Wherever cargo puts its build (CARGO_TARGET_DIR, build.target-dir).
    target_dir=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory) || exit 1
    echo "check-examples: building $target_dir/release/mkimport" >&2
    cargo build --release --quiet || exit 1
    bin_dir="$target_dir/release"
fi
[ -x "$bin_dir/mkimport" ] || { echo "check-examples: no mkimport in $bin_dir" >&2; exit 1; }
export PATH="$bin_dir:$PATH"
unset MKIMPORT_USER

if [ $# -eq 0 ]; then
    set -- docs/*.md
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The examples' own scratch directories (mktemp -d) go here too.
mkdir -p "$work/tmp"
export TMPDIR="$work/tmp"

# Extract the checked blocks: block K becomes $work/K.kind (sh|console),
# $work/K.exit, $work/K.where (file:line) and $work/K.body (without the
# marker line).
awk -v dir="$work" '
    FNR == 1 { inblock = 0 }
    !inblock && /^```(sh|console)[[:space:]]*$/ {
        inblock = 1; first = 1; keep = 0
        kind = substr($0, 4); sub(/[[:space:]]+$/, "", kind)
        start = FNR
        next
    }
    inblock && /^```[[:space:]]*$/ { inblock = 0; if (keep) close(body); next }
    inblock && first {
        first = 0
        if ($0 ~ /^# check([[:space:]]+exit=[0-9]+)?[[:space:]]*$/) {
            keep = 1; n++
            code = 0
            if (match($0, /exit=[0-9]+/)) code = substr($0, RSTART + 5, RLENGTH - 5)
            print kind > (dir "/" n ".kind"); close(dir "/" n ".kind")
            print code > (dir "/" n ".exit"); close(dir "/" n ".exit")
            print FILENAME ":" start > (dir "/" n ".where"); close(dir "/" n ".where")
            body = dir "/" n ".body"
            printf "" > body
            next
        }
    }
    inblock && keep { print > body }
    END { print n + 0 > (dir "/count") }
' "$@" || exit 1

# Does the actual output (file $2) match the expected one (file $1)?
# Trailing white space and trailing empty lines are ignored; an expected
# line `...` matches any number of lines.
matches() {
    awk -v expfile="$1" '
        function trim(s) { sub(/[[:space:]]+$/, "", s); return s }
        BEGIN { while ((getline line < expfile) > 0) e[++n] = trim(line) }
        { a[++m] = trim($0) }
        END {
            while (n > 0 && e[n] == "") n--
            while (m > 0 && a[m] == "") m--
            i = 1; j = 1
            while (i <= n) {
                if (e[i] == "...") {
                    i++
                    if (i > n) exit 0
                    while (j <= m && a[j] != e[i]) j++
                    if (j > m) exit 1
                } else {
                    if (j > m || a[j] != e[i]) exit 1
                    i++; j++
                }
            }
            exit (j <= m) ? 1 : 0
        }
    ' "$2"
}

count=$(cat "$work/count")
failed=0
for k in $(seq 1 "$count"); do
    kind=$(cat "$work/$k.kind")
    want=$(cat "$work/$k.exit")
    where=$(cat "$work/$k.where")
    ok=1
    if [ "$kind" = sh ]; then
        (cd "$root" && bash -e -o pipefail "$work/$k.body") >"$work/$k.out" 2>&1
        got=$?
        if [ "$got" != "$want" ]; then
            ok=0
            echo "FAIL $where: exit $got, expected $want" >&2
            sed 's/^/    | /' "$work/$k.out" >&2
        fi
    else
        # Split into commands and expected outputs, and build one script.
        bdir="$work/$k.d"
        mkdir -p "$bdir"
        awk -v dir="$bdir" '
            function heredoc(line,    w) {
                if (!match(line, /<<-?[ ]*['"'"'"]?[A-Za-z_][A-Za-z_0-9]*/)) return ""
                w = substr(line, RSTART, RLENGTH)
                sub(/^<<-?[ ]*['"'"'"]?/, "", w)
                return w
            }
            BEGIN { c = 0; mode = "out"; term = "" }
            mode == "heredoc" {
                print > (dir "/" c ".cmd")
                if ($0 == term) { mode = "out"; term = "" }
                next
            }
            mode == "cont" {
                print > (dir "/" c ".cmd")
                if (term == "") term = heredoc($0)
                if ($0 ~ /\\$/) next
                mode = (term != "") ? "heredoc" : "out"
                next
            }
            /^\$ / {
                c++
                print substr($0, 3) > (dir "/" c ".cmd")
                printf "" > (dir "/" c ".want")
                term = heredoc($0)
                if ($0 ~ /\\$/) mode = "cont"
                else mode = (term != "") ? "heredoc" : "out"
                next
            }
            c > 0 { print > (dir "/" c ".want") }
            END { print c > (dir "/n") }
        ' "$work/$k.body"
        ncmd=$(cat "$bdir/n")
        script="$bdir/script.sh"
        echo "set -o pipefail" >"$script"
        for c in $(seq 1 "$ncmd"); do
            {
                echo "{"
                cat "$bdir/$c.cmd"
                echo "} >'$bdir/$c.out' 2>'$bdir/$c.err'; echo \$? >'$bdir/$c.rc'"
            } >>"$script"
        done
        (cd "$root" && bash "$script") >/dev/null 2>&1
        for c in $(seq 1 "$ncmd"); do
            expect=0
            [ "$c" = "$ncmd" ] && expect=$want
            got=$(cat "$bdir/$c.rc" 2>/dev/null || echo "not run")
            if [ "$got" != "$expect" ]; then
                ok=0
                echo "FAIL $where: command $c exited $got, expected $expect:" >&2
                sed 's/^/    $ /' "$bdir/$c.cmd" >&2
                sed 's/^/    | /' "$bdir/$c.err" "$bdir/$c.out" 2>/dev/null >&2
            elif ! matches "$bdir/$c.want" "$bdir/$c.out"; then
                ok=0
                echo "FAIL $where: command $c printed something else:" >&2
                sed 's/^/    $ /' "$bdir/$c.cmd" >&2
                diff "$bdir/$c.want" "$bdir/$c.out" | sed 's/^/    /' >&2
            fi
        done
    fi
    if [ "$ok" = 1 ]; then
        echo "ok   $where"
    else
        failed=$((failed + 1))
    fi
done

echo "check-examples: $count blocks, $failed failed"
[ "$failed" = 0 ]
