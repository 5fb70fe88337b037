# restore.sh - the node side of halint restore --ssh: every change a restore makes on a node
# is made here, one action per call, each in a framed stream "restore-ACTION" (Z frame: the
# status; W: stderr). halint decides; this script only carries out, and proves, what it is
# told. docs/snapshot.md ("restore --ssh") describes the whole sequence.
#
# Every action but `state` runs with ROOT REPLICA TOKEN first: it holds the node's lock (the
# lock file holds TOKEN: a restore that lost its lock stops) and, while it runs, a mutex
# LOCK.d/pid (so a step still running on the node after halint or ssh was killed is waited
# for, never run beside). Writes that a rerun relies on are made durable before the next step:
# files with `dd conv=fsync` (coreutils < 8.24 `sync FILE` ignores its argument), renames
# and new names with a global `sync` (there is no directory fsync in sh).
#
#   state ROOT REPLICA                     J journal, S its step log, D done files, G stagings
#   lock ROOT REPLICA TOKEN [OLD]          take the lock (stdin: the lock's JSON); OLD: the
#                                          token of a stale lock halint decided to take over
#   release ROOT REPLICA TOKEN             remove the lock
#   journal ROOT REPLICA TOKEN NAME [new]  stdin to REPLICA/NAME (.halint-restore.json or a
#                                          done file), durable; "new": a new restore's journal,
#                                          with a new, empty step log
#   begin ROOT REPLICA TOKEN STAGING       mkdir STAGING (0700)
#   extract ROOT REPLICA TOKEN STAGING     stdin: a tar of directories and files, extracted
#                                          there by the node's tar (owners by number)
#   sparse ROOT REPLICA TOKEN [TEMP FINAL SIZE UID GID MODE EXTENTS]...
#                                          FINAL rewritten from TEMP with holes: only the 64 KiB
#                                          blocks EXTENTS (B:C,...) are written; TEMP removed
#   run ROOT REPLICA TOKEN STAGING         stdin: L/H/T/A lines made by halint (see below),
#                                          run in STAGING
#   xattrs ROOT REPLICA TOKEN DIR          stdin: a getfattr -d dump, restored in DIR (setfattr)
#   abandon ROOT REPLICA TOKEN STAGING     remove STAGING, the journal and its step log
#   swap ROOT REPLICA TOKEN [u I LIVE NEW OLD INO | l I LIVE TEMP OLD TARGET]...
#                                          the journalled swap of units and link-map links
#                                          (I: the item's index in the journal); then per
#                                          replaced tree or link an O frame (name I): where it is
#   finish ROOT REPLICA TOKEN STAGING      remove what the swaps left of STAGING (empty
#                                          directories only), the journal and the step log
#   prune ROOT REPLICA TOKEN [PATH]...     delete kept data, done files and orphan stagings (by
#                                          their names only: *.halint-old-*, .halint-staging-*...)

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

rs_fail() {
    hl_frame_text E error "$2" "$1"
    return 1
}

# rs_hold TOKEN: the lock must be ours; then the mutex (waiting up to a minute for a step of a
# killed run that is still finishing on the node).
rs_hold() {
    if ! grep -F -q -e "$1" "$rs_lock" 2>/dev/null; then
        rs_fail lost "the restore lock $rs_lock is not held by this restore any more"
        return 1
    fi
    rs_wait=0
    while ! mkdir "$rs_lock.d" 2>/dev/null; do
        rs_pid=
        read -r rs_pid <"$rs_lock.d/pid" 2>/dev/null
        case $rs_pid in
            '' | *[!0-9]*) rs_alive= ;;
            *) if kill -0 "$rs_pid" 2>/dev/null; then rs_alive=1; else rs_alive=; fi ;;
        esac
        # A pid reused by another program is not a halint step: its cmdline lacks this script.
        if [ -n "$rs_alive" ] && [ -r "/proc/$rs_pid/cmdline" ] && ! grep -q rs_hold "/proc/$rs_pid/cmdline" 2>/dev/null; then
            rs_alive=
        fi
        if [ -z "$rs_alive" ] && [ "$rs_wait" -ge 2 ]; then
            rm -rf "$rs_lock.d"  # its step ended without removing it (killed): stale
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
    return 0
}

# rs_put FILE: stdin into FILE, durable (a temp file synced by dd, renamed, then sync).
rs_put() {
    rs_tmp=${1%/*}/.halint-tmp-$$-${1##*/}
    if ! dd of="$rs_tmp" conv=fsync 2>"$hl_tmp/dd" || ! mv -f "$rs_tmp" "$1"; then
        rm -f "$rs_tmp"
        rs_fail write "cannot write $1: $(tail -n 1 "$hl_tmp/dd")"
        return 1
    fi
    sync
}

# rs_step TEXT: one line appended to the step log and made durable before the step it names.
rs_step() {
    rs_size=$(wc -c <"$rs_steps" 2>/dev/null) || rs_size=0
    printf '%s\n' "$*" | dd of="$rs_steps" bs=1 seek=$((rs_size + 0)) conv=notrunc,fsync 2>/dev/null
}

rs_ino() {
    # shellcheck disable=SC2012 # ls -di is the inode on every node (stat -c is not in all busyboxes' -c set)
    if [ -e "$1" ] || [ -L "$1" ]; then ls -di "$1" 2>/dev/null | { read -r n _; echo "$n"; }; fi
}

rs_exists() {
    [ -e "$1" ] || [ -L "$1" ]
}

rs_is_link_to() {
    [ -L "$1" ] && rs_t=$(readlink "$1" && echo .) && [ "${rs_t%?.}" = "$2" ]
}

# rs_aside KIND INDEX PATH OLD: move PATH to OLD, or OLD-N when OLD is taken (kept data of
# another restore is never overwritten); the name used is journalled first. Sets rs_old.
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

rs_swap_unit() {
    # $1 index, $2 live, $3 new (staged), $4 old (where the live tree goes), $5 staged inode
    if [ "$(rs_ino "$3")" = "$5" ]; then
        if rs_exists "$2"; then
            rs_aside u "$1" "$2" "$4" || return 1
        fi
        rs_step "u $1 live"
        if rs_exists "$2"; then
            rs_fail swap "cannot complete the restore: $2 appeared again"
            return 1
        fi
        mv -f "$3" "$2" || return 1
        sync
    elif rs_exists "$3"; then
        rs_fail swap "cannot complete the restore: $3 is not the tree the journal expects; inspect it"
        return 1
    fi
    rs_step "u $1 done"
}

rs_swap_link() {
    # $1 index, $2 live, $3 temp, $4 old, $5 target
    if ! rs_is_link_to "$2" "$5"; then
        if ! rs_is_link_to "$3" "$5"; then
            rs_step "l $1 temp"
            ln -s "$5" "$3" || return 1
        fi
        if rs_exists "$2"; then
            rs_aside l "$1" "$2" "$4" || return 1
        fi
        rs_step "l $1 live"
        mv -f "$3" "$2" || return 1
        sync
    fi
    if rs_exists "$3"; then
        if rs_is_link_to "$3" "$5"; then rm -f "$3"; else rs_aside l "$1" "$3" "$4" || return 1; fi
    fi
    rs_step "l $1 done"
}

# rs_kept KIND INDEX OLD: an O frame per replaced tree or link of that item still kept aside
# (the step log says which names rs_aside used, in this run or a killed one before).
rs_kept() {
    grep "^$1 $2 aside " "$rs_steps" 2>/dev/null | while read -r _ _ _ rs_n; do
        if [ "$rs_n" = 0 ]; then rs_old=$3; else rs_old=$3-$rs_n; fi
        if rs_exists "$rs_old"; then hl_frame_text O "$2" "$rs_old" kept; fi
    done
}

rs_state() {
    rs_init "$1" "$2"
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

rs_lock_take() {
    cat >"$hl_tmp/lock"
    if [ -n "${1:-}" ] && grep -F -q -e "$1" "$rs_lock" 2>/dev/null; then
        rm -f "$rs_lock"
    fi
    if ! (set -C; cat "$hl_tmp/lock" >"$rs_lock") 2>/dev/null; then
        cat "$rs_lock" >"$hl_tmp/out" 2>/dev/null
        hl_frame L "$rs_lock" "$hl_tmp/out" held
        return 1
    fi
    sync
    for rs_f in "$rs_rep"/.halint-tmp-*; do
        if [ -f "$rs_f" ]; then rm -f "$rs_f"; fi  # a journal copy a killed step left half-written
    done
    return 0
}

rs_main() {
    rs_action=$1
    shift
    if [ "$rs_action" = state ]; then
        rs_state "$@"
        return
    fi
    rs_init "$1" "$2"
    rs_token=$3
    shift 3
    if [ "$rs_action" = lock ]; then
        rs_lock_take "${1:-}"
        return
    fi
    rs_hold "$rs_token" || return 1
    case $rs_action in
        release)
            rm -f "$rs_lock"
            ;;
        journal)
            if [ "${2:-}" = new ]; then
                : >"$rs_steps" || { rs_fail write "cannot create $rs_steps"; return 1; }
            fi
            rs_put "$rs_rep/$1" || return 1
            ;;
        begin)
            mkdir -m 700 "$1" || { rs_fail mkdir "cannot create $1"; return 1; }
            ;;
        extract)
            cd "$1" || return 1
            case $(tar --version 2>/dev/null) in
                *GNU*) tar -xpf - --numeric-owner --no-wildcards 2>"$hl_tmp/tar" ;;
                *) tar -xpf - --numeric-owner 2>"$hl_tmp/tar" ;;
            esac || { rs_fail tar "the node's tar failed: $(tail -n 1 "$hl_tmp/tar")"; return 1; }
            ;;
        sparse)
            while [ $# -ge 7 ]; do
                dd if=/dev/null of="$2" bs=1 seek="$3" 2>/dev/null || { rs_fail sparse "cannot create $2"; return 1; }
                for rs_e in $(echo "$7" | tr , ' '); do
                    dd if="$1" of="$2" bs=65536 skip="${rs_e%:*}" seek="${rs_e%:*}" count="${rs_e#*:}" conv=notrunc 2>/dev/null ||
                        { rs_fail sparse "cannot write $2"; return 1; }
                done
                chown "$4:$5" "$2" && chmod "$6" "$2" && touch -r "$1" "$2" && rm -f "$1" ||
                    { rs_fail sparse "cannot finish $2"; return 1; }
                shift 7
            done
            ;;
        run)
            cd "$1" || return 1
            cat >"$hl_tmp/run"
            rs_bad=
            # shellcheck disable=SC1090 # made by halint: L/H/T/A calls with quoted arguments
            . "$hl_tmp/run"
            if [ -n "$rs_bad" ]; then return 1; fi
            ;;
        xattrs)
            cd "$1" || return 1
            cat >"$hl_tmp/xattrs"
            if ! setfattr -h --restore="$hl_tmp/xattrs" 2>"$hl_tmp/setfattr"; then
                hl_frame F failures "$hl_tmp/setfattr"
            fi
            ;;
        abandon)
            if [ -d "$1" ]; then
                chmod -R u+rwx "$1" 2>/dev/null
                rm -rf "$1" || { rs_fail abandon "cannot remove $1"; return 1; }
            fi
            rm -f "$rs_journal" "$rs_steps"
            sync
            ;;
        swap)
            rs_items=
            while [ $# -ge 6 ]; do
                if [ "$1" = u ]; then
                    rs_swap_unit "$2" "$3" "$4" "$5" "$6" || { rs_fail swap "cannot swap $3"; return 1; }
                else
                    rs_swap_link "$2" "$3" "$4" "$5" "$6" || { rs_fail swap "cannot relink $3"; return 1; }
                fi
                rs_kept "$1" "$2" "$5"
                shift 6
            done
            ;;
        finish)
            if [ -d "$1" ]; then
                if find "$1" ! -type d | grep -q .; then
                    rs_fail finish "cannot complete the restore: something other than empty folders is left in $1; inspect it"
                    return 1
                fi
                find "$1" -depth -type d -exec rmdir {} \; || return 1
            fi
            rm -f "$rs_journal" "$rs_steps"
            sync
            ;;
        prune)
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
            ;;
        *)
            rs_fail usage "unknown action $rs_action"
            return 1
            ;;
    esac
}

# Functions of the `run` input (halint writes one call per line, arguments quoted):
#   L TARGET PATH UID GID  a symlink, owned by UID:GID;  H FIRST PATH  another hardlink name
#   T SECONDS PATH         a symlink's mtime (where touch -h exists)
#   A UID GID MODE SECONDS PATH  owner, mode and mtime of an existing entry (the replica itself)
L() {
    if ! ln -s "$1" "$2"; then rs_bad=1; echo "$2: cannot create the symlink" >>"$hl_tmp/failures"; return 0; fi
    chown -h "$3:$4" "$2" 2>/dev/null || echo "$2: could not set owner $3:$4" >>"$hl_tmp/failures"
}
H() { ln "$1" "$2" || { rs_bad=1; echo "$2: cannot create the hardlink" >>"$hl_tmp/failures"; }; }
T() { touch -h -d "@$1" "$2" 2>/dev/null || echo "$2: could not set mtime" >>"$hl_tmp/failures"; }
A() {
    chown "$1:$2" "$5" 2>/dev/null || echo "$5: could not set owner $1:$2" >>"$hl_tmp/failures"
    chmod "$3" "$5" 2>/dev/null || echo "$5: could not set mode $3" >>"$hl_tmp/failures"
    touch -d "@$4" "$5" 2>/dev/null || echo "$5: could not set mtime" >>"$hl_tmp/failures"
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
hl_begin "restore-$1"
if rs_main "$@"; then
    rs_status=0
else
    rs_status=1
fi
if [ -s "$hl_tmp/failures" ]; then hl_frame F failures "$hl_tmp/failures"; fi
hl_end $rs_status
