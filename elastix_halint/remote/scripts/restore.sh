# restore.sh - the node side of halint restore --ssh. Every change a restore makes on a node
# is made by the functions below; halint decides, and sends each call a short list of them.
# docs/snapshot.md ("restore --ssh") gives the whole sequence and its crash guarantees.
#
#   restore.sh ROOT REPLICA run               stdin: the calls, one per line (arguments quoted
#                                             by halint; data in quoted here-documents)
#   restore.sh ROOT REPLICA extract TOKEN DIR stdin: a tar of directories and files, extracted
#                                             into DIR by the node's tar (owners by number)
# Output: the framed stream "restore-run" / "restore-extract": what the calls report (below),
# E error (info: a kind; lost/busy: the lock), V attributes that could not be set (not F: that
# is treelib.sh's find listing, which PROVE sends in the same call), W stderr.
#
# The lock: REPLICA's node lock file (ROOT/var/lock/halint.lock where that folder exists, else
# REPLICA/.halint-restore.lock) holds halint's JSON record with a random token. Every call list
# after TAKE starts with HOLD TOKEN: the lock must still hold that token, and a mutex
# (LOCK.d/pid) is taken for the call's duration, so a step still running on the node after
# halint or its ssh was killed is waited for and never runs beside the next one.
#
# Durability: what a rerun relies on is on disk before the next step runs: files written with
# `dd conv=fsync` (coreutils < 8.24 `sync FILE` ignores its argument), renames and new names
# followed by a global `sync` (sh cannot fsync a directory). The journal (.halint-restore.json,
# JSON written by halint) holds the plan; its step log (.halint-restore.steps) gets one line,
# made durable, before each rename of the swap.

rs_init() {
    if [ "$1" = / ]; then rs_r=; else rs_r=${1%/}; fi
    rs_rep=$rs_r${2%/}
    if [ -d "$rs_r/var/lock" ]; then
        rs_lock=$rs_r/var/lock/halint.lock
    else
        rs_lock=$rs_rep/.halint-restore.lock
    fi
    rs_journal=$rs_rep/.halint-restore.json
    rs_steps=$rs_rep/.halint-restore.steps
    rs_mutex=
}

rs_cleanup() {
    if [ -n "$rs_mutex" ]; then rm -rf "$rs_mutex"; fi
    rs_mutex=
    hl_cleanup
}

# rs_fail KIND MESSAGE: an E frame; returns 1.
rs_fail() {
    hl_frame_text E error "$2" "$1"
    return 1
}

# rs_note MESSAGE: an attribute that could not be set (V frame at the end).
rs_note() {
    printf '%s\n' "$*" >>"$hl_tmp/failures"
}

rs_exists() {
    [ -e "$1" ] || [ -L "$1" ]
}

rs_ino() {
    # shellcheck disable=SC2012 # ls -di prints the inode everywhere (stat -c differs)
    if rs_exists "$1"; then ls -di "$1" 2>/dev/null | { read -r rs_n _ && echo "$rs_n"; }; fi
}

rs_is_link_to() {
    [ -L "$1" ] && rs_t=$(readlink "$1" && echo .) && [ "${rs_t%?.}" = "$2" ]
}

# ---- the lock ------------------------------------------------------------------------------

# FACTS ROOT REPLICA [PATH...]: tree.sh facts (treelib.sh), in the same call as TAKE.
FACTS() {
    tree_facts "$@"
}

# TAKE OLD: the lock, from the JSON on stdin (O_EXCL). OLD ('-' for none): the token of a
# stale lock halint decided to take over. Held by someone else: a B frame with its record.
TAKE() {
    cat >"$hl_tmp/lock"
    if [ "$1" != - ] && grep -F -q -e "$1" "$rs_lock" 2>/dev/null; then
        rm -f "$rs_lock"
    fi
    if ! (set -C; cat "$hl_tmp/lock" >"$rs_lock") 2>/dev/null; then
        cat "$rs_lock" >"$hl_tmp/out" 2>/dev/null
        hl_frame B "$rs_lock" "$hl_tmp/out" held
        return 1
    fi
    sync
    for rs_f in "$rs_rep"/.halint-tmp-*; do
        if [ -f "$rs_f" ]; then rm -f "$rs_f"; fi  # a journal copy a killed step left half-written
    done
    rs_mutex_take
}

# HOLD TOKEN: the lock must still be ours; then the mutex.
HOLD() {
    if ! grep -F -q -e "$1" "$rs_lock" 2>/dev/null; then
        rs_fail lost "the restore lock $rs_lock is not held by this restore any more"
        return 1
    fi
    rs_mutex_take
}

# The mutex: wait (a minute at most) for a halint step still running on the node, e.g. one
# whose halint was killed; a mutex whose pid is gone, or is no halint script, is stale.
rs_mutex_take() {
    if [ -n "$rs_mutex" ]; then return 0; fi
    rs_wait=0
    while ! mkdir "$rs_lock.d" 2>/dev/null; do
        rs_pid=
        read -r rs_pid <"$rs_lock.d/pid" 2>/dev/null
        rs_alive=
        case $rs_pid in
            '' | *[!0-9]*) ;;
            *) if kill -0 "$rs_pid" 2>/dev/null; then rs_alive=1; fi ;;
        esac
        if [ -n "$rs_alive" ] && [ -r "/proc/$rs_pid/cmdline" ] && ! grep -q rs_mutex_take "/proc/$rs_pid/cmdline" 2>/dev/null; then
            rs_alive=  # a pid reused by another program: its command line lacks this script
        fi
        if [ -z "$rs_alive" ] && [ "$rs_wait" -ge 2 ]; then
            rm -rf "$rs_lock.d"
            continue
        fi
        rs_wait=$((rs_wait + 1))
        if [ "$rs_wait" -gt 60 ]; then
            rs_fail busy "a halint step (pid $rs_pid) has been running on the node for a minute; try again later"
            return 1
        fi
        sleep 1
    done
    rs_mutex=$rs_lock.d
    echo $$ >"$rs_mutex/pid"
}

RELEASE() {
    rm -f "$rs_lock"
    sync
}

# STATE: J the journal, S its step log, D each done record, G each staging folder.
STATE() {
    if [ -f "$rs_journal" ]; then
        if cat "$rs_journal" >"$hl_tmp/out" 2>/dev/null; then hl_frame J journal "$hl_tmp/out"; fi
        if cat "$rs_steps" >"$hl_tmp/out" 2>/dev/null; then hl_frame S steps "$hl_tmp/out"; fi
    fi
    for rs_f in "$rs_rep"/.halint-restore-done-*.json; do
        if [ -f "$rs_f" ] && cat "$rs_f" >"$hl_tmp/out" 2>/dev/null; then hl_frame D "$rs_f" "$hl_tmp/out"; fi
    done
    for rs_f in "$rs_rep"/.halint-staging-*; do
        if [ -d "$rs_f" ]; then hl_frame_text G "$rs_f" ""; fi
    done
    return 0
}

# ---- durable writes --------------------------------------------------------------------------

# PUT NAME [new]: stdin to REPLICA/NAME (the journal, a done record), durable. "new": a new
# restore's journal, with a new, empty step log.
PUT() {
    if [ "${2:-}" = new ]; then
        : >"$rs_steps" || { rs_fail write "cannot create $rs_steps"; return 1; }
    fi
    rs_tmp=$rs_rep/.halint-tmp-$$-$1
    if ! dd of="$rs_tmp" conv=fsync 2>"$hl_tmp/dd" || ! mv -f "$rs_tmp" "$rs_rep/$1"; then
        rm -f "$rs_tmp"
        rs_fail write "cannot write $rs_rep/$1: $(tail -n 1 "$hl_tmp/dd")"
        return 1
    fi
    sync
}

# rs_step TEXT: one line appended to the step log, durable before the step it names runs; then
# a P frame: when halint or its connection is gone, that write ends this script (SIGPIPE)
# here, between two steps, rather than after the whole swap.
rs_step() {
    rs_size=$(wc -c <"$rs_steps" 2>/dev/null) || rs_size=0
    printf '%s\n' "$*" | dd of="$rs_steps" bs=1 seek=$((rs_size + 0)) conv=notrunc,fsync 2>/dev/null
    if [ -n "${rs_delay:-}" ]; then sleep "$rs_delay"; fi  # tests: let kills land between steps
    hl_frame_text P step "$*"
}

# ---- staging -------------------------------------------------------------------------------

# FREE PATH...: none of them may exist (the names a new restore will create); else a T frame.
FREE() {
    for rs_p in "$@"; do
        if rs_exists "$rs_p"; then
            hl_frame_text T "$rs_p" "" taken
            return 1
        fi
    done
}

MKDIR() {
    mkdir -m 700 "$1" || rs_fail mkdir "cannot create $1"
}

# ABANDON STAGING: a restore that never reached its swap: its staging folder (extracted
# archive content only), the journal and the step log go.
ABANDON() {
    if [ -d "$1" ]; then
        chmod -R u+rwx "$1" 2>/dev/null
        rm -rf "$1" || { rs_fail abandon "cannot remove $1"; return 1; }
    fi
    rm -f "$rs_journal" "$rs_steps"
    sync
}

# SPARSE TEMP FINAL SIZE UID GID MODE EXTENTS: FINAL made from TEMP with holes: only the
# 64 KiB blocks of EXTENTS (B:C,... first block and count) are written; TEMP removed.
SPARSE() {
    dd if=/dev/null of="$2" bs=1 seek="$3" 2>/dev/null || { rs_fail sparse "cannot create $2"; return 1; }
    for rs_e in $(echo "$7" | tr , ' '); do
        dd if="$1" of="$2" bs=65536 skip="${rs_e%:*}" seek="${rs_e%:*}" count="${rs_e#*:}" conv=notrunc 2>/dev/null ||
            { rs_fail sparse "cannot write $2"; return 1; }
    done
    if ! { chown "$4:$5" "$2" && chmod "$6" "$2" && touch -r "$1" "$2" && rm -f "$1"; }; then
        rs_fail sparse "cannot finish $2"
    fi
}

# L TARGET PATH UID GID: a symlink, owned by UID:GID.   H FIRST PATH: another hardlink name.
L() {
    ln -s "$1" "$2" || { rs_fail link "cannot create the symlink $2"; return 1; }
    chown -h "$3:$4" "$2" 2>/dev/null || rs_note "$2: could not set owner $3:$4"
}

H() {
    ln "$1" "$2" || rs_fail link "cannot create the hardlink $2"
}

# T SECONDS PATH: a symlink's mtime (only sent where touch -h exists).
T() {
    touch -h -d "@$1" "$2" 2>/dev/null || rs_note "$2: could not set mtime"
}

# D SECONDS PATH: a directory's mtime again, after links were made in it.
D() {
    touch -d "@$1" "$2" 2>/dev/null || rs_note "$2: could not set mtime"
}

# A UID GID MODE SECONDS PATH: owner, mode and mtime of an existing entry (the replica itself).
A() {
    chown "$1:$2" "$5" 2>/dev/null || rs_note "$5: could not set owner $1:$2"
    chmod "$3" "$5" 2>/dev/null || rs_note "$5: could not set mode $3"
    touch -d "@$4" "$5" 2>/dev/null || rs_note "$5: could not set mtime"
}

# XATTRS: stdin is a getfattr -d dump (paths relative to /), restored by setfattr after the
# owners (chown clears security.capability).
XATTRS() {
    cat >"$hl_tmp/xattrs"
    (cd / && setfattr -h --restore="$hl_tmp/xattrs") 2>>"$hl_tmp/failures"
    return 0
}

# PROVE TOP full|bare: the staged tree as tree.sh list describes it (treelib.sh); "bare" leaves
# out the getfattr dump and owner names (no restored entry has xattrs to compare). Its files'
# digests are computed by tree.sh digest (openssl dgst -sha256, else sha256sum), in a call of
# their own that halint runs at the same time.
PROVE() {
    tree_list "$rs_r" "${1#"$rs_r"}" "$2"
}

# ---- the swap --------------------------------------------------------------------------------

# rs_aside KIND INDEX PATH OLD: PATH moved to OLD, or OLD-N when OLD is taken (kept data is
# never overwritten); the suffix is journalled first.
rs_aside() {
    rs_old=$4
    rs_n=0
    while rs_exists "$rs_old"; do
        rs_n=$((rs_n + 1))
        rs_old=$4-$rs_n
    done
    rs_step "$1 $2 aside $rs_n"
    mv -f "$3" "$rs_old" || return 1
    sync
}

# U INDEX LIVE NEW OLD INO: swap one unit: LIVE aside to OLD, then the staged tree NEW (known
# by its inode) to LIVE. Each rename journalled first; a rerun continues from what it finds.
U() {
    if [ "$(rs_ino "$3")" = "$5" ]; then
        if rs_exists "$2"; then
            rs_aside u "$1" "$2" "$4" || { rs_fail swap "cannot move $2 aside"; return 1; }
        fi
        rs_step "u $1 live"
        if rs_exists "$2"; then
            rs_fail swap "cannot complete the restore: $2 appeared again; inspect it"
            return 1
        fi
        mv -f "$3" "$2" || { rs_fail swap "cannot move $3 to $2"; return 1; }
        sync
    elif rs_exists "$3"; then
        rs_fail swap "cannot complete the restore: $3 is not the tree the journal expects; inspect it"
        return 1
    fi
    rs_step "u $1 done"
    rs_kept u "$1" "$4"
}

# K INDEX LIVE TEMP OLD TARGET: a link-map symlink: LIVE aside, then a new link TEMP to LIVE.
K() {
    if ! rs_is_link_to "$2" "$5"; then
        if ! rs_is_link_to "$3" "$5"; then
            rs_step "l $1 temp"
            ln -s "$5" "$3" || { rs_fail swap "cannot create $3"; return 1; }
        fi
        if rs_exists "$2"; then
            rs_aside l "$1" "$2" "$4" || { rs_fail swap "cannot move $2 aside"; return 1; }
        fi
        rs_step "l $1 live"
        mv -f "$3" "$2" || { rs_fail swap "cannot move $3 to $2"; return 1; }
        sync
    fi
    if rs_exists "$3"; then
        if rs_is_link_to "$3" "$5"; then
            rm -f "$3"
        else
            rs_aside l "$1" "$3" "$4" || return 1
        fi
    fi
    rs_step "l $1 done"
    rs_kept l "$1" "$4"
}

# rs_kept KIND INDEX OLD: an O frame per replaced tree or link of that item still kept (the
# step log says which names rs_aside used, in this run or a killed one before).
rs_kept() {
    grep "^$1 $2 aside " "$rs_steps" 2>/dev/null | while read -r _ _ _ rs_n; do
        if [ "$rs_n" = 0 ]; then rs_old=$3; else rs_old=$3-$rs_n; fi
        if rs_exists "$rs_old"; then hl_frame_text O "$1$2" "$rs_old" kept; fi
    done
}

# FINISH STAGING: what the swaps left of STAGING (its empty folders only: anything else
# stops here), then the journal and its step log.
FINISH() {
    if [ -d "$1" ]; then
        if find "$1" ! -type d | grep -q .; then
            rs_fail finish "cannot complete the restore: something other than empty folders is left in $1; inspect it"
            return 1
        fi
        find "$1" -depth -type d -exec rmdir {} \; || return 1
    fi
    rm -f "$rs_journal" "$rs_steps"
    sync
}

# PRUNE PATH...: delete data kept aside by finished restores, their done records and staging
# folders no journal owns (only names a restore makes are accepted).
PRUNE() {
    for rs_p in "$@"; do
        case ${rs_p##*/} in
            *.halint-old-* | .halint-staging-* | .halint-restore-done-*) ;;
            *) rs_fail prune "refusing to delete $rs_p: not data a restore kept aside"; return 1 ;;
        esac
        if [ -d "$rs_p" ] && [ ! -L "$rs_p" ]; then chmod -R u+rwx "$rs_p" 2>/dev/null; fi
        rm -rf "$rs_p" || { rs_fail prune "cannot remove $rs_p"; return 1; }
        hl_frame_text R "$rs_p" ""
    done
    sync
}

# ---- one call ------------------------------------------------------------------------------

rs_extract() {
    HOLD "$1" || return 1
    cd "$2" || { rs_fail extract "no folder $2"; return 1; }
    case $(tar --version 2>/dev/null) in
        *GNU*) tar -xpf - --numeric-owner --no-wildcards 2>"$hl_tmp/tar" ;;
        *) tar -xpf - --numeric-owner 2>"$hl_tmp/tar" ;;
    esac || { rs_fail tar "the node's tar failed: $(tail -n 1 "$hl_tmp/tar")"; return 1; }
    # The staged files go to disk now, while halint has them hashed and listed: the first sync
    # of the swap then finds little left to write (2 GiB: 1.3 s here). A hint, never waited for.
    sync </dev/null >/dev/null 2>&1 &
}

rs_run() {
    cat >"$hl_tmp/run"
    # shellcheck source=/dev/null # made by halint: calls of the functions above, one per line
    . "$hl_tmp/run" </dev/null
}

if ! hl_start; then
    echo "halint: cannot create a temporary folder in ${TMPDIR:-/tmp} on the node" >&2
    exit 3
fi
trap 'rs_cleanup' 0
trap 'rs_cleanup; exit 129' HUP
trap 'rs_cleanup; exit 130' INT
trap 'rs_cleanup; exit 141' PIPE
trap 'rs_cleanup; exit 143' TERM
rs_init "$1" "$2"
rs_call=$3
shift 3
hl_begin "restore-$rs_call"
case $rs_call in
    run) rs_run && rs_status=0 || rs_status=1 ;;
    extract) rs_extract "$@" && rs_status=0 || rs_status=1 ;;
    *) rs_fail usage "unknown call $rs_call"; rs_status=1 ;;
esac
if [ -s "$hl_tmp/failures" ]; then hl_frame V failures "$hl_tmp/failures"; fi
hl_end "$rs_status"
