# lib.sh - shared by every halint node-side script; scripts/__init__.py puts it in front of
# the script proper, so what the node runs is one self-contained text (halint collect --script).
#
# POSIX sh for bash 3.2 (CentOS 5) and later, dash, posh, mksh and busybox sh, using only the
# tools ../shared/NODES.md lists for CentOS 5/6/7 and busybox applets: no `local`, arrays,
# [[ ]], $'...', echo -e, stat --printf, find -printf, base64 (EL5) or timeout (EL5).
# Everything runs in the C locale: the client may send a locale the node lacks, and ${#x}
# must count bytes.
LC_ALL=C
LANG=C
export LC_ALL LANG
# A non-interactive root login on CentOS 5 has no /sbin in PATH (chkconfig, ip, sfdisk live
# there). Appended, so what PATH already finds first still wins.
PATH=$PATH:/sbin:/usr/sbin
export PATH

hl_tmp=
hl_cleanup() {
    if [ -n "$hl_tmp" ]; then rm -rf "$hl_tmp"; fi
    hl_tmp=
}

# hl_start: the private temporary folder, and traps removing it on every exit path (the end,
# an error, ssh cut: HUP, or PIPE on the next write, TERM, INT). Returns 1 when none can be made.
hl_start() {
    trap 'hl_cleanup' 0
    trap 'hl_cleanup; exit 129' HUP
    trap 'hl_cleanup; exit 130' INT
    trap 'hl_cleanup; exit 141' PIPE
    trap 'hl_cleanup; exit 143' TERM
    umask 077
    hl_tmp=$(mktemp -d "${TMPDIR:-/tmp}/halint.XXXXXXXXXX" 2>/dev/null) || hl_tmp=
    if [ -z "$hl_tmp" ]; then
        # No mktemp (or not this form): mkdir is atomic and fails if the name exists.
        hl_tmp=${TMPDIR:-/tmp}/halint.$$.$(date +%s 2>/dev/null)
        mkdir "$hl_tmp" 2>/dev/null || { hl_tmp=; return 1; }
    fi
    # From here on the script's own stderr is kept and sent as a W frame at the end.
    exec 2>"$hl_tmp/stderr"
    return 0
}

# Does ${#x} count bytes here (in the C locale)? Then hl_len needs no wc. Probed once, also
# for scripts that make no temporary folder.
hl_x=$(printf '\303\251')
if [ "${#hl_x}" = 2 ]; then hl_bytes_ok=1; else hl_bytes_ok=; fi

# hl_len STRING: its length in bytes, in hl_n.
hl_len() {
    if [ -n "$hl_bytes_ok" ]; then
        hl_n=${#1}
    else
        hl_n=$(printf '%s' "$1" | wc -c)
        # shellcheck disable=SC2004 # expanded first: some wc pad the number with spaces
        hl_n=$(( $hl_n + 0 ))
    fi
}

# hl_begin KIND: the stream's first line (frames.py: HALINT-STREAM 1 KIND).
hl_begin() {
    printf 'HALINT-STREAM 1 %s\n' "$1"
}

# hl_frame TAG NAME FILE [INFO]: one frame carrying the bytes of FILE (a file of our own
# temporary folder, so its size cannot change between wc and cat).
hl_frame() {
    hl_len "$2"
    hl_nlen=$hl_n
    hl_n=$(wc -c <"$3")
    # shellcheck disable=SC2004 # expanded first: some wc pad the number with spaces
    printf '%s %s %s %s\n%s' "$1" "$hl_nlen" $(( $hl_n + 0 )) "${4:--}" "$2"
    cat "$3"
    printf '\n'
}

# hl_frame_text TAG NAME TEXT [INFO]: one frame carrying TEXT as it is.
hl_frame_text() {
    hl_len "$2"
    hl_nlen=$hl_n
    hl_len "$3"
    printf '%s %s %s %s\n%s%s\n' "$1" "$hl_nlen" "$hl_n" "${4:--}" "$2" "$3"
}

# hl_end STATUS: the W frame (the script's own stderr, if any) and the closing Z frame; the
# temporary folder goes now (posh runs no EXIT trap when a subshell ends: collect.sh -a).
hl_end() {
    if [ -n "$hl_tmp" ] && [ -s "$hl_tmp/stderr" ]; then
        hl_frame W stderr "$hl_tmp/stderr"
    fi
    printf 'Z 0 0 %s\n\n' "$1"
    hl_cleanup
}

# hl_need CMD...: an X frame naming the first missing command, and status 1.
hl_need() {
    for hl_c in "$@"; do
        if ! command -v "$hl_c" >/dev/null 2>&1; then
            hl_frame_text X "$hl_c" "" missing-command
            return 1
        fi
    done
    return 0
}

# hl_run OUT ERR CMD...: run CMD with stdin from /dev/null, stdout to OUT, stderr to ERR, for
# at most 30 s (EL5 has no timeout(1): a watcher kills it); the exit status is left in hl_rc.
hl_run() {
    hl_o=$1
    hl_e=$2
    shift 2
    "$@" </dev/null >"$hl_o" 2>"$hl_e" &
    hl_pid=$!
    (
        sleep 30 &
        hl_s=$!
        trap 'kill $hl_s 2>/dev/null; exit 0' TERM
        wait $hl_s
        kill -9 $hl_pid 2>/dev/null
    ) </dev/null >/dev/null 2>&1 &
    hl_w=$!
    wait $hl_pid
    # shellcheck disable=SC2034 # read by the scripts that call hl_run
    hl_rc=$?
    kill $hl_w 2>/dev/null
    wait $hl_w 2>/dev/null
    return 0
}

# hl_armour: stdin to an armoured text block on stdout (frames.py reads base64 or hex).
hl_armour() {
    if command -v base64 >/dev/null 2>&1 && printf '' | base64 >/dev/null 2>&1; then
        printf '%s\n' '-----BEGIN HALINT STREAM base64-----'
        base64
    elif command -v openssl >/dev/null 2>&1 && printf '' | openssl base64 >/dev/null 2>&1; then
        printf '%s\n' '-----BEGIN HALINT STREAM base64-----'
        openssl base64
    else
        printf '%s\n' '-----BEGIN HALINT STREAM hex-----'
        od -An -v -tx1
    fi
    printf '%s\n' '-----END HALINT STREAM-----'
}

# -- for scripts that change a node (links.sh): sizes, durable journal lines, digests -------

# hl_size FILE: its size in bytes, in hl_n (empty when unreadable).
hl_size() {
    hl_n=$(wc -c <"$1" 2>/dev/null)
    hl_n=${hl_n##* }
}

# hl_append_durable FILE LINE: append LINE and make it durable before anything else happens
# (dd conv=fsync: `sync FILE` ignores its argument below coreutils 8.24).
hl_append_durable() {
    printf '%s\n' "$2" >>"$1" && dd if=/dev/null of="$1" conv=notrunc,fsync 2>/dev/null
}

# hl_sha256 FILE: its SHA-256 in hl_sum, with `openssl dgst -sha256` or sha256sum, whichever
# the node has (probed once with command -v); status 1 when neither can read it. openssl
# first, as restore.sh's PROVE: it uses the CPU's SHA instructions, sha256sum portable C.
hl_sha_tool=
hl_sha256() {
    if [ -z "$hl_sha_tool" ]; then
        hl_sha_tool=none
        if command -v openssl >/dev/null 2>&1 && printf '' | openssl dgst -sha256 >/dev/null 2>&1; then
            hl_sha_tool=openssl
        elif command -v sha256sum >/dev/null 2>&1; then
            hl_sha_tool=sha256sum
        fi
    fi
    case $hl_sha_tool in
        sha256sum) hl_sum=$(sha256sum <"$1" 2>/dev/null) && hl_sum=${hl_sum%% *} ;;
        openssl) hl_sum=$(openssl dgst -sha256 <"$1" 2>/dev/null) && hl_sum=${hl_sum##* } ;;
        *) hl_sum= ;;
    esac
    [ ${#hl_sum} = 64 ]
}

# hl_same_bytes A B: the two files hold the same bytes (by digest; cmp when there is no
# digest tool).
hl_same_bytes() {
    if hl_sha256 "$1"; then
        hl_a=$hl_sum
        hl_sha256 "$2" && [ "$hl_a" = "$hl_sum" ]
        return
    fi
    cmp -s -- "$1" "$2"
}
