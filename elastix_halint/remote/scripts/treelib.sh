# treelib.sh - what halint snapshot, diff and restore read of a node's tree (functions; tree.sh
# runs them, restore.sh uses them to prove a staged tree). Reads only: nothing is written on
# the node but the script's own temporary folder (removed on every exit path).
#
#   tree.sh facts ROOT REPLICA [PATH...]   framed stream "tree-facts":
#       H hostname (uname -n)          R the root's physical path (pwd -P)
#       T tools: one "name yes|no" line per capability probed (command -v, never versions)
#       P proc/drbd, P proc/mounts     ROOT/proc/... as read (absent when unreadable)
#       C processes: "pid name" lines (proc/PID/comm, else the name in proc/PID/stat)
#       K per PATH (a node path): info link|dir|file|missing, data the link's target
#       L the lock: name = its node path, info held|free, data = the lock file
#   tree.sh list ROOT TOP full|files|bare  framed stream "tree-list" describing TOP and
#       everything below it on TOP's filesystem (find -xdev), halint's own leftovers
#       (*.halint-old-*, .halint-*) left out (the --exclude globs are applied by halint;
#       files: regular files only; files and bare: no U, G, A):
#       F  GNU find -printf records, 13 NUL-terminated fields each:
#          type mode uid gid size blocks inode links dev mtime ctime path target
#       or, where find has no -printf (busybox): N the paths (find -print0), S one
#          `stat -c` line per path, Y "path NUL target NUL" per symlink
#       U /etc/passwd, G /etc/group: user and group names (looked up per file, they took
#          three quarters of the listing's time); tree.sh names asks the node for the rest
#       A  (full) `getfattr -h -d -m - -e base64` of every path; info "missing" without getfattr
#   tree.sh survey ROOT REPLICA [PATH...]  framed stream "tree-survey": the frames of facts, then
#       (when REPLICA is a directory) those of list ROOT REPLICA full: one round trip
#   tree.sh names ROOT [u|g PATH]...       framed stream "tree-names": per pair, the user (u)
#       or group (g) name of PATH as the node's find/stat print it (N frames, name = PATH)
#   tree.sh send ROOT                      stdin: NUL-terminated paths relative to ROOT;
#       stdout: a tar stream of them as the node's tar writes it (raw, not framed)
#   tree.sh digest                         stdin: NUL-terminated absolute paths; stdout: the
#       output of openssl dgst -sha256, else sha256sum (first line: the tool used)
#
# ROOT "/" is the live node; another folder stands for it (a copy, a test tree).

tree_root() {
    if [ "$1" = / ]; then tr_r=; else tr_r=${1%/}; fi
}

# tree_find_printf: whether find has -printf with every directive the listing uses (GNU find;
# busybox find has no -printf).
tree_find_printf() {
    # shellcheck disable=SC2046 # split on purpose: five fields expected
    set -- $(find "$tr_r/" -maxdepth 0 -printf '%D %T@ %C@ %b %y\n' 2>/dev/null)
    [ $# = 5 ] && [ "$5" = d ] || return 1
    case $1$4 in
        '' | *[!0-9]*) return 1 ;;
    esac
}

# tree_probe: the T frame's lines, on stdout.
tree_probe() {
    : "${hl_rc-}"  # (lib.sh's hl_run result: not used by these scripts)
    if tree_find_printf; then echo "find-printf yes"; else echo "find-printf no"; fi
    for tp_c in getfattr setfattr; do
        if command -v $tp_c >/dev/null 2>&1; then echo "$tp_c yes"; else echo "$tp_c no"; fi
    done
    if printf '' | sha256sum >/dev/null 2>&1; then echo "sha256sum yes"; else echo "sha256sum no"; fi
    if printf '' | openssl dgst -sha256 >/dev/null 2>&1; then echo "openssl yes"; else echo "openssl no"; fi
    case $(tar --version 2>/dev/null) in
        *GNU*) echo "gnu-tar yes" ;;
        *) echo "gnu-tar no" ;;
    esac
    if ln -s x "$hl_tmp/probe-link" 2>/dev/null && touch -h -d @1 "$hl_tmp/probe-link" 2>/dev/null; then
        echo "touch-h yes"
    else
        echo "touch-h no"
    fi
    tp_out=$(touch -d @1.5 "$hl_tmp/probe-file" 2>/dev/null && stat -c %y "$hl_tmp/probe-file" 2>/dev/null)
    case $tp_out in
        *:01.5*) echo "touch-frac yes" ;;
        *) echo "touch-frac no" ;;
    esac
}

tree_facts() {
    tree_root "$1"
    tf_replica=$2
    shift 2
    uname -n >"$hl_tmp/out" 2>/dev/null
    hl_frame H hostname "$hl_tmp/out"
    if ! (cd "$tr_r/" && pwd -P) >"$hl_tmp/out" 2>/dev/null; then
        hl_frame_text X "$tr_r/" "" no-root
        return 1
    fi
    hl_frame R root "$hl_tmp/out"
    tree_probe >"$hl_tmp/out"
    hl_frame T tools "$hl_tmp/out"
    for tf_f in drbd mounts; do
        if cat "$tr_r/proc/$tf_f" >"$hl_tmp/out" 2>/dev/null; then
            hl_frame P "proc/$tf_f" "$hl_tmp/out"
        fi
    done
    : >"$hl_tmp/out"
    for tf_d in "$tr_r"/proc/[0-9]*; do
        [ -d "$tf_d" ] || continue
        tf_name=
        if [ -r "$tf_d/comm" ]; then
            read -r tf_name <"$tf_d/comm" 2>/dev/null
        elif [ -r "$tf_d/stat" ]; then
            read -r tf_name <"$tf_d/stat" 2>/dev/null
            tf_name=${tf_name#*\(}
            tf_name=${tf_name%\)*}
        fi
        [ -n "$tf_name" ] && printf '%s %s\n' "${tf_d##*/}" "$tf_name" >>"$hl_tmp/out"
    done
    hl_frame C processes "$hl_tmp/out"
    for tf_p in "$@"; do
        tf_at=$tr_r$tf_p
        if [ -L "$tf_at" ] && tf_t=$(readlink "$tf_at" && echo .); then
            tf_t=${tf_t%.}
            hl_frame_text K "$tf_p" "${tf_t%?}" link
        elif [ -d "$tf_at" ]; then
            hl_frame_text K "$tf_p" "" dir
        elif [ -e "$tf_at" ]; then
            hl_frame_text K "$tf_p" "" file
        else
            hl_frame_text K "$tf_p" "" missing
        fi
    done
    tree_lock_path "$tf_replica"
    tree_lock_state
    if [ -f "$tl_file" ] && cat "$tl_file" >"$hl_tmp/out" 2>/dev/null; then
        hl_frame L "$tl_node" "$hl_tmp/out" "$tl_state"
    else
        hl_frame_text L "$tl_node" "" "$tl_state"
    fi
    return 0
}

# tree_lock_path REPLICA: tl_node (node path) and tl_file of the lock halint restore takes on
# this node: /var/lock/halint.lock where the node keeps locks, else in the replica (a copy of
# a node without /var/lock: a snapshot must not create that folder).
tree_lock_path() {
    if [ -d "$tr_r/var/lock" ]; then
        tl_node=/var/lock/halint.lock
    else
        tl_node=${1%/}/.halint-restore.lock
    fi
    tl_file=$tr_r$tl_node
}

# tree_lock_state: tl_state = held (a node-side halint step is running: the pid in
# LOCK.d/pid is alive and a halint script), free otherwise.
tree_lock_state() {
    tl_state=free
    if [ -d "$tl_file.d" ]; then
        tl_pid=
        read -r tl_pid <"$tl_file.d/pid" 2>/dev/null
        case $tl_pid in
            '' | *[!0-9]*) ;;
            *) if kill -0 "$tl_pid" 2>/dev/null; then tl_state=held; fi ;;
        esac
    fi
}

tree_list() {
    tree_root "$1"
    tl_top=$tr_r$2
    if [ "$tr_r" = "" ] && [ "$2" = / ]; then tl_top=/; fi
    tl_mode=$3
    if [ ! -d "$tl_top" ] || [ -L "$tl_top" ]; then
        hl_frame_text X "$2" "" no-top
        return 1
    fi
    set -- "$tl_top" -xdev \( -name '*.halint-old-*' -o -name '.halint-*' \) -prune -o
    if [ "$tl_mode" = files ]; then set -- "$@" -type f; fi
    if tree_find_printf; then
        # full: the names for getfattr below from the same walk (-fprint0: GNU find 4.1 on)
        if [ "$tl_mode" = full ]; then set -- "$@" -fprint0 "$hl_tmp/names"; fi
        find "$@" -printf '%y\0%m\0%U\0%G\0%s\0%b\0%i\0%n\0%D\0%T@\0%C@\0%p\0%l\0' >"$hl_tmp/list" 2>>"$hl_tmp/stderr"
        hl_frame F find "$hl_tmp/list"
    else
        hl_need find xargs stat readlink || return 1
        find "$@" -print0 >"$hl_tmp/names" 2>>"$hl_tmp/stderr"
        hl_frame N names "$hl_tmp/names"
        xargs -0 -r stat -c '%f %u %g %s %b %i %h %d %y %z %n' <"$hl_tmp/names" >"$hl_tmp/list" 2>>"$hl_tmp/stderr"
        hl_frame S stat "$hl_tmp/list"
        # shellcheck disable=SC2016 # expanded by the inner sh
        find "$@" -type l -print0 2>/dev/null | xargs -0 -r sh -c '
            for p; do
                t=$(readlink "$p" && echo .) || continue
                t=${t%.}
                printf "%s\0%s\0" "$p" "${t%?}"
            done' halint >"$hl_tmp/links" 2>>"$hl_tmp/stderr"
        hl_frame Y links "$hl_tmp/links"
    fi
    if [ "$tl_mode" = full ]; then
        for tl_f in passwd group; do
            if cat "/etc/$tl_f" >"$hl_tmp/out" 2>/dev/null; then hl_frame P "$tl_f" "$hl_tmp/out"; fi
        done
        if command -v getfattr >/dev/null 2>&1; then
            xargs -0 -r getfattr -h -d -m - -e base64 --absolute-names <"$hl_tmp/names" >"$hl_tmp/xattrs" 2>/dev/null
            hl_frame A xattrs "$hl_tmp/xattrs"
        else
            hl_frame_text A xattrs "" missing
        fi
    fi
    return 0
}

tree_names() {
    tree_root "$1"
    shift
    while [ $# -ge 2 ]; do
        tn_name=
        case $1 in
            u) tn_name=$(stat -c %U "$2" 2>/dev/null) ;;
            *) tn_name=$(stat -c %G "$2" 2>/dev/null) ;;
        esac
        hl_frame_text N "$2" "$tn_name" "$1"
        shift 2
    done
    return 0
}

tree_survey() {
    tree_facts "$@" || return 1
    if [ -d "$tr_r$2" ] && [ ! -L "$tr_r$2" ]; then
        tree_list "$1" "$2" full
    fi
}

tree_send() {
    tree_root "$1"
    cd "$tr_r/" || exit 3
    case $(tar --version 2>/dev/null) in
        *GNU*) exec tar -cf - --no-recursion --null -T - ;;
        *) exec xargs -0 -r tar -cf - --no-recursion -- ;;
    esac
}

tree_digest() {
    # openssl first: it hashes with the CPU's SHA instructions where it can, coreutils'
    # sha256sum in portable C (140 MB: 0.13 s against 0.68 s on the benchmark machine).
    if printf '' | openssl dgst -sha256 >/dev/null 2>&1; then
        echo openssl
        exec xargs -0 -r openssl dgst -sha256
    elif printf '' | sha256sum >/dev/null 2>&1; then
        echo sha256sum
        exec xargs -0 -r sha256sum
    fi
    echo none
}
