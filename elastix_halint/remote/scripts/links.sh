# links.sh - carries out, finishes or undoes a `halint links repair` plan made on the admin's
# machine (elastix_halint/links/noderun.py), with the journal the local repair writes
# (<root>/var/lib/halint/links/<id>.journal, JSON lines: docs/links.md), so that a repair cut at
# any moment is finished by the next `repair` or rolled back by `undo`, from here or locally.
#
# Reads nothing from stdin. What to do comes in the lines halint puts after this file:
#   lk_root='/srv/node'   the node's root ('' for /)      lk_mode=create|forward|undo
#   lk_name=ID.journal    the journal                     lk_header='{...}' (create: line 1)
#   lk_seen='NAME:SIZE ...' every journal when halint read them ('none'): the plan is void if
#                         they changed before the lock was taken
#   lk_delay=SECONDS      tests only: a pause around every step
#   lk_wait=TENTHS        how long to wait for another repair's lock (default 200: 20 s)
#   lk_undo_begun=1       undo: the journal says "undo" already
#   lk_replan_if_new_state=1   the plan creates a parent of the state folder: if making the
#                         state folder creates it first, halint must plan again (status 4)
#   lk_work() { lk_do INDEX BEGUN OP ARGS...; ... }    the steps, in the order to run them
#   lk_dirtimes() { lk_dirtime DIR ATIME MTIME; ... }    undo: directory times to put back
# Frames sent (frames.py): J (journal created), D/S/R INDEX (done, skipped + why, reverted),
# C (committed), U (undone), then Z with the status: 0 done, 3 a step found the tree changed
# (E: the message; journal left open), 4 the journals changed since halint looked (halint
# plans again), 5 another repair or undo holds the lock (E: who).
#
# Each step is idempotent and checked on disk, and is journalled ("begin", made durable with
# dd conv=fsync: `sync FILE` ignores its argument below coreutils 8.24) before it runs; what
# it changed in a directory is made durable with sync(1) before "done" is journalled.

# -- links --------------------------------------------------------------------------------
# What halint sets after this file (these defaults: nothing to do).
lk_root=
lk_mode=
lk_name=
lk_header=
lk_seen=
lk_delay=
lk_wait=
lk_undo_begun=
lk_replan_if_new_state=
lk_work() { :; }
lk_dirtimes() { :; }

lk_state=
lk_journal=
lk_locked=

# lk_path NODEPATH: where it is, in lk_r.
lk_path() {
    lk_r=$lk_root$1
}

lk_exists() {
    [ -e "$1" ] || [ -L "$1" ]
}

# lk_text PATH: the link text of PATH in lk_t; status 1 when PATH is not a symlink.
lk_text() {
    lk_t=
    [ -L "$1" ] || return 1
    lk_t=$(readlink -- "$1") || return 1
    return 0
}

lk_pause() {
    if [ -n "$lk_delay" ]; then sleep "$lk_delay"; fi
}

# lk_settle: make the renames, links and mkdirs just done durable (a directory cannot be
# fsynced from sh; sync(1) flushes everything).
lk_settle() {
    sync
}

# lk_say TAG TEXT [INFO]: tell halint. When halint is gone (killed, connection cut) the write
# fails (or SIGPIPE ends the script): stop between two steps rather than go on unwatched.
lk_say() {
    hl_frame_text "$1" "" "$2" "$3" || { lk_unlock; exit 141; }
}

lk_event() {
    hl_append_durable "$lk_journal" "$1" || lk_fail "cannot write the journal $lk_name"
}

# lk_fail MESSAGE: stop here (the journal stays open: undo rolls back what was done).
lk_fail() {
    hl_frame_text E "" "$1"
    lk_finish 3
}

lk_finish() {
    lk_unlock
    hl_end "$1"
    exit "$1"
}

# -- the lock: one repair or undo at a time on this node ----------------------------------
# A folder made with mkdir (atomic), holding the pid of its owner (a local halint takes it
# too, besides its flock on the file lock, which sh cannot take). An owner that died without
# removing it (kill -9, a reboot) is recognised by kill -0 (or, with no pid written, by the
# folder's age) and its lock taken over. An owner still running (a script whose halint was
# killed finishes its current step, then dies at its next write) is waited for, up to 20 s.
lk_lock() {
    lk_waited=0
    while ! mkdir "$lk_state/lock.d" 2>/dev/null; do
        lk_owner=$(cat "$lk_state/lock.d/pid" 2>/dev/null)
        lk_dead=
        if [ -n "$lk_owner" ]; then
            kill -0 "$lk_owner" 2>/dev/null || lk_dead=1
        elif lk_made=$(stat -c %Y "$lk_state/lock.d" 2>/dev/null); then
            # No pid after 10 s: its owner died between mkdir and writing it.
            [ $(( $(date +%s) - lk_made )) -gt 10 ] && lk_dead=1
        fi
        if [ -n "$lk_dead" ]; then
            if mv -T "$lk_state/lock.d" "$lk_state/lock.d.$$" 2>/dev/null; then
                rm -rf "$lk_state/lock.d.$$"
            fi
            continue
        fi
        if [ "$lk_waited" -ge "${lk_wait:-200}" ]; then
            hl_frame_text E "" "another halint links repair or undo is running on this node (pid ${lk_owner:-unknown}; if none is, remove $lk_state/lock.d)"
            hl_end 5
            exit 5
        fi
        sleep 0.1 2>/dev/null || sleep 1
        lk_waited=$((lk_waited + 1))
    done
    lk_locked=1
    printf '%s\n' "$$" >"$lk_state/lock.d/pid"
}

lk_unlock() {
    if [ -n "$lk_locked" ]; then
        rm -rf "$lk_state/lock.d"
        lk_locked=
    fi
}

# lk_journals: NAME:SIZE of every journal (or none), in lk_now: what halint saw was lk_seen.
lk_journals() {
    lk_now=
    for lk_f in "$lk_state"/*.journal; do
        if [ -f "$lk_f" ]; then
            hl_size "$lk_f"
            lk_now="$lk_now ${lk_f##*/}:$hl_n"
        fi
    done
    lk_now=${lk_now# }
    lk_now=${lk_now:-none}
}

# -- the steps ----------------------------------------------------------------------------
# lk_<op>_ready / lk_<op>_apply / lk_<op>_revert ARGS: the op names of links/steps.py.

lk_move_aside_ready() {
    lk_path "$1"; lk_a=$lk_r
    lk_path "$2"
    lk_exists "$lk_a" && ! lk_exists "$lk_r"
}

# lk_rename FROM TO: FROM gone and TO there counts as done.
lk_rename() {
    lk_path "$1"; lk_a=$lk_r
    lk_path "$2"; lk_b=$lk_r
    if ! lk_exists "$lk_a" && lk_exists "$lk_b"; then return 0; fi
    if ! lk_exists "$lk_a" || lk_exists "$lk_b"; then
        lk_fail "cannot move $1 to $2: expected $1 and no $2"
    fi
    mv -T -- "$lk_a" "$lk_b" || lk_fail "cannot move $1 to $2"
    lk_settle
}

lk_move_aside_apply() {
    lk_rename "$1" "$2"
}

lk_move_aside_revert() {
    lk_rename "$2" "$1"
}

lk_mkdir_ready() {
    lk_path "$1"
    ! lk_exists "$lk_r"
}

# lk_mkdir_apply DIR MODE UID GID (MODE in octal)
lk_mkdir_apply() {
    lk_path "$1"
    if [ -L "$lk_r" ] || [ ! -d "$lk_r" ]; then
        mkdir -m 700 -- "$lk_r" || lk_fail "cannot create directory $1"
    fi
    chown "$3:$4" "$lk_r" 2>/dev/null
    chmod "$2" "$lk_r" || lk_fail "cannot set the mode of $1"
    lk_settle
}

lk_mkdir_revert() {
    lk_path "$1"
    lk_exists "$lk_r" || return 0
    if ! rmdir -- "$lk_r" 2>/dev/null; then
        if [ -d "$lk_r" ] && [ -n "$(ls -A -- "$lk_r" 2>/dev/null)" ]; then
            lk_fail "$1 holds files added after the repair; move them away and run undo again"
        fi
        lk_fail "cannot remove directory $1"
    fi
    lk_settle
}

# lk_same A B: same kind, and the same bytes (by digest) or link text; directories match.
lk_same() {
    if [ -L "$1" ] || [ -L "$2" ]; then
        lk_text "$1" || return 1
        lk_s=$lk_t
        lk_text "$2" || return 1
        [ "$lk_s" = "$lk_t" ]
        return
    fi
    if [ -f "$1" ] && [ -f "$2" ]; then
        hl_size "$1"
        lk_n=$hl_n
        hl_size "$2"
        [ -n "$lk_n" ] && [ "$lk_n" = "$hl_n" ] || return 1
        hl_same_bytes "$1" "$2"
        return
    fi
    [ -d "$1" ] && [ -d "$2" ]
}

lk_copy_tmp() {
    lk_tmp=${lk_d%/*}/.${lk_d##*/}.halint-tmp
}

lk_copy_ready() {
    lk_path "$2"
    ! lk_exists "$lk_r"
}

# lk_copy_apply SRC DST: written to .DST.halint-tmp, then hard-linked into place (which fails
# rather than replace a file that appeared meanwhile). Status 10: DST appeared with other
# content (a conflict; nothing was written).
lk_copy_apply() {
    lk_path "$1"; lk_s=$lk_r
    lk_path "$2"; lk_d=$lk_r
    lk_copy_tmp
    if lk_exists "$lk_d"; then
        rm -f -- "$lk_tmp"
        lk_same "$lk_s" "$lk_d" && return 0
        return 10
    fi
    rm -f -- "$lk_tmp"
    cp -pP -- "$lk_s" "$lk_tmp" || { rm -f -- "$lk_tmp"; lk_fail "cannot copy $1 to $2"; }
    lk_pause
    if ! ln -- "$lk_tmp" "$lk_d" 2>/dev/null; then
        rm -f -- "$lk_tmp"
        lk_exists "$lk_d" || lk_fail "cannot copy $1 to $2"
        lk_same "$lk_s" "$lk_d" && return 0
        return 10
    fi
    rm -f -- "$lk_tmp"
    lk_settle
}

lk_copy_revert() {
    lk_path "$1"; lk_s=$lk_r
    lk_path "$2"; lk_d=$lk_r
    lk_copy_tmp
    rm -f -- "$lk_tmp"
    lk_exists "$lk_d" || return 0
    lk_same "$lk_s" "$lk_d" || lk_fail "$2 changed after the repair; not removing it (the upgraded copy is $1)"
    rm -f -- "$lk_d" || lk_fail "cannot remove $2"
    lk_settle
}

lk_link_ready() {
    lk_path "$1"
    ! lk_exists "$lk_r"
}

lk_link_apply() {
    lk_path "$1"
    if lk_text "$lk_r" && [ "$lk_t" = "$2" ]; then return 0; fi
    lk_exists "$lk_r" && lk_fail "cannot create link $1: something else is there"
    ln -s -- "$2" "$lk_r" || lk_fail "cannot create link $1"
    lk_settle
}

lk_link_revert() {
    lk_path "$1"
    lk_exists "$lk_r" || return 0
    if ! lk_text "$lk_r" || [ "$lk_t" != "$2" ]; then
        lk_fail "$1 is no longer the link this repair made; not removing it"
    fi
    rm -f -- "$lk_r" || lk_fail "cannot remove $1"
    lk_settle
}

# lk_touch PATH WHEN OPTION...: set a time of PATH (WHEN: SECONDS.NANOSECONDS; whole seconds
# when the node's touch takes no fraction; not at all without touch -h, as on CentOS 5).
lk_touch() {
    lk_tp=$1
    lk_tw=$2
    shift 2
    touch "$@" -d "@$lk_tw" -- "$lk_tp" 2>/dev/null || touch "$@" -d "@${lk_tw%.*}" -- "$lk_tp" 2>/dev/null
}

lk_retarget_ready() {
    lk_path "$1"
    lk_text "$lk_r" && [ "$lk_t" = "$2" ]
}

# lk_swap PATH HAVE WANT UID GID [ATIME MTIME]: a fresh link renamed over the old one, so the
# path is always a link, old or new.
lk_swap() {
    lk_path "$1"
    lk_tmp=$lk_r.halint-tmp
    if lk_text "$lk_r" && [ "$lk_t" = "$3" ]; then
        rm -f -- "$lk_tmp"
        return 0
    fi
    if ! lk_text "$lk_r" || [ "$lk_t" != "$2" ]; then
        lk_fail "$1 links to '$lk_t', expected '$2' or '$3'"
    fi
    rm -f -- "$lk_tmp"
    ln -s -- "$3" "$lk_tmp" || lk_fail "cannot create a link beside $1"
    chown -h "$4:$5" "$lk_tmp" 2>/dev/null
    if [ -n "$6" ]; then
        lk_touch "$lk_tmp" "$6" -h -a
        lk_touch "$lk_tmp" "$7" -h -m
    fi
    lk_pause
    mv -T -f -- "$lk_tmp" "$lk_r" || lk_fail "cannot replace the link $1"
    lk_settle
}

lk_retarget_apply() {
    lk_swap "$1" "$2" "$3" "$4" "$5"
}

lk_retarget_revert() {
    lk_swap "$1" "$3" "$2" "$4" "$5" "$6" "$7"
}

# -- running a plan -----------------------------------------------------------------------
lk_fn() {
    case $1 in
        move-aside) lk_f=lk_move_aside ;;
        mkdir|copy|link|retarget) lk_f=lk_$1 ;;
        *) lk_fail "unknown step $1" ;;
    esac
}

# lk_do INDEX BEGUN OP ARGS...: forward: run the step unless its journal says it is over;
# undo: revert it.
lk_do() {
    lk_i=$1
    lk_begun=$2
    lk_fn "$3"
    shift 3
    if [ "$lk_mode" = undo ]; then
        "${lk_f}_revert" "$@"
        lk_pause
        lk_event "{\"event\": \"reverted\", \"step\": $lk_i}"
        lk_say R "" "$lk_i"
        return
    fi
    if [ "$lk_begun" = 0 ]; then
        if ! "${lk_f}_ready" "$@"; then
            if [ "$lk_f" != lk_copy ]; then
                hl_frame_text N "" "" "$lk_i"
                lk_finish 3
            fi
            lk_path "$1"; lk_s=$lk_r
            lk_path "$2"
            if lk_same "$lk_s" "$lk_r"; then lk_why="already in the replica"; else lk_why="conflict: the replica has another version"; fi
            lk_skip "$lk_why"
            return
        fi
        lk_event "{\"event\": \"begin\", \"step\": $lk_i}"
        lk_pause
    fi
    "${lk_f}_apply" "$@"
    if [ $? = 10 ]; then
        lk_skip "conflict: it appeared during the repair with other content"
        return
    fi
    lk_pause
    lk_event "{\"event\": \"done\", \"step\": $lk_i}"
    lk_say D "" "$lk_i"
}

lk_skip() {
    lk_event "{\"event\": \"skip\", \"step\": $lk_i, \"why\": \"$1\"}"
    lk_say S "$1" "$lk_i"
}

lk_dirtime() {
    lk_path "$1"
    if [ -d "$lk_r" ] && [ ! -L "$lk_r" ]; then
        lk_touch "$lk_r" "$2" -a
        lk_touch "$lk_r" "$3" -m
    fi
}

lk_main() {
    trap 'lk_unlock' 0
    trap 'lk_unlock; exit 129' HUP
    trap 'lk_unlock; exit 130' INT
    trap 'lk_unlock; exit 141' PIPE
    trap 'lk_unlock; exit 143' TERM
    hl_begin links
    lk_state=$lk_root/var/lib/halint/links
    lk_journal=$lk_state/$lk_name
    lk_new_state=
    if [ ! -d "$lk_state" ]; then lk_new_state=1; fi
    (umask 077; mkdir -p -- "$lk_state") || lk_fail "cannot create $lk_state"
    lk_lock
    if [ -n "$lk_new_state" ] && [ -n "$lk_replan_if_new_state" ]; then
        # The plan creates a folder that making halint's own state folder just created.
        hl_frame_text E "" "halint's state folder was just created"
        lk_finish 4
    fi
    lk_journals
    if [ "$lk_now" != "$lk_seen" ]; then
        hl_frame_text E "" "the journals changed since halint read them"
        lk_finish 4
    fi
    case $lk_mode in
        create)
            rm -f -- "$lk_state"/*.journal.tmp  # a plan whose writing a kill cut short
            if lk_exists "$lk_journal"; then
                hl_frame_text E "" "the journal $lk_name exists already"
                lk_finish 4
            fi
            if ! { (umask 077; printf '%s\n' "$lk_header" >"$lk_journal.tmp") &&
                dd if=/dev/null of="$lk_journal.tmp" conv=notrunc,fsync 2>/dev/null &&
                mv -T -f -- "$lk_journal.tmp" "$lk_journal"; }; then
                lk_fail "cannot write the journal $lk_journal"
            fi
            lk_settle
            hl_frame_text J "$lk_name" ""
            ;;
        *)
            # A line torn by a crash is completed, so the next event starts a line of its own.
            if [ -n "$(tail -c 1 -- "$lk_journal")" ]; then lk_event ""; fi
            ;;
    esac
    if [ "$lk_mode" = undo ] && [ -z "$lk_undo_begun" ]; then
        lk_event '{"event": "undo"}'
    fi
    lk_work
    if [ "$lk_mode" = undo ]; then
        lk_dirtimes
        lk_event '{"event": "undone"}'
        hl_frame_text U "" ""
    else
        lk_event '{"event": "committed"}'
        hl_frame_text C "" ""
    fi
    lk_finish 0
}
