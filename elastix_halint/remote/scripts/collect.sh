# collect.sh - what `halint collect --ssh` (and `halint lint --ssh`) runs on a node, after
# lib.sh. It only reads: nothing is written outside its own temporary folder.
#
#   sh -s -- [-a] ROOT < script      ROOT: the node's root folder, / for the running node
#                                    -a: armoured output (text only: Ansible raw)
#
# It sends raw material, not facts: file bytes, lstat/stat fields, link targets, directory
# entries, command output. halint builds the bundle on the admin side with the same code that
# reads a local root (elastix_halint/collect.py), so both give the same bytes. It sends a
# little more than that code may ask for (every word after "include" in drbd.conf is globbed;
# halint keeps the real include patterns). Paths in frames are real paths (ROOT-prefixed).
#
#   I ROOT             the root given, data "version=1"
#   X NAME info=WHY    missing-command NAME | not-a-directory ROOT | no-temp-folder (then Z 3)
#   S PATH             "LSTAT\nSTAT\n", each "%f %u %g %s %U %G" of stat -c (-L) or "-"
#   R PATH             readlink's output (the target and a newline)
#   F PATH / E PATH    the file's bytes (first MiB for /proc files) / why it cannot be read
#   G PATTERN          the paths matching a glob pattern, each followed by a NUL byte
#   D DIR              entries of DIR matching a glob, each "f" (regular file) or "-", the
#                      name and a NUL byte
#   C "CMD ARGS" info=STATUS   stdout of a command, run for the live root (/) only
#   W stderr           what the script itself printed on stderr, if anything

# The files and links halint reads: collect.CONFIG_PATHS and the Elastix link map with its
# mount point (tests/test_remote_collect.py keeps these lists equal to the Python ones).
hl_config='/etc/drbd.conf /etc/ha.d/ha.cf /etc/ha.d/authkeys /etc/ha.d/haresources /etc/hosts /etc/hostname /etc/sysconfig/network'
hl_links='/etc/asterisk /var/lib/asterisk /usr/lib/asterisk /var/spool/asterisk /var/lib/mysql /var/log/asterisk /var/www /replica'
hl_fmt='%f %u %g %s %U %G'
hl_newline='
'

# hl_meta PATH: S frame (and R frame for a symlink). One stat process per existing path.
hl_meta() {
    if [ -L "$1" ]; then
        hl_l=$(stat -c "$hl_fmt" -- "$1" 2>/dev/null) || hl_l=-
        if [ -e "$1" ]; then hl_s=$(stat -L -c "$hl_fmt" -- "$1" 2>/dev/null) || hl_s=-; else hl_s=-; fi
        if readlink -- "$1" >"$hl_tmp/l" 2>/dev/null; then hl_frame R "$1" "$hl_tmp/l"; fi
    elif [ -e "$1" ]; then
        hl_l=$(stat -c "$hl_fmt" -- "$1" 2>/dev/null) || hl_l=-
        hl_s=$hl_l
    else
        hl_l=-
        hl_s=-
    fi
    hl_frame_text S "$1" "$hl_l$hl_newline$hl_s$hl_newline"
}

# hl_read PATH [CMD...]: F frame with what CMD (default cat) reads from PATH, or E frame.
hl_read() {
    hl_p=$1
    shift
    if [ $# -eq 0 ]; then set -- cat; fi
    if "$@" -- "$hl_p" >"$hl_tmp/f" 2>"$hl_tmp/e"; then
        hl_frame F "$hl_p" "$hl_tmp/f"
    else
        hl_frame E "$hl_p" "$hl_tmp/e"
    fi
}

# hl_file PATH: S frame, then the bytes when it is a regular file (following links).
hl_file() {
    hl_meta "$1"
    if [ -f "$1" ]; then hl_read "$1"; fi
}

# hl_listdir DIR GLOB: D frame of DIR's entries matching GLOB (nothing when DIR is no folder).
hl_listdir() {
    [ -d "$1" ] || return 0
    : >"$hl_tmp/d"
    for hl_e in "$1"/$2; do
        [ -e "$hl_e" ] || [ -L "$hl_e" ] || continue
        if [ -f "$hl_e" ]; then hl_t=f; else hl_t=-; fi
        printf '%s%s\000' "$hl_t" "${hl_e##*/}" >>"$hl_tmp/d"
    done
    hl_frame D "$1" "$hl_tmp/d"
}

# hl_glob PATTERN: G frame of the existing paths matching ROOT + PATTERN, an S frame for each
# and the bytes of those that are regular files. Only PATTERN is a glob: ROOT is quoted.
hl_glob() {
    : >"$hl_tmp/g"
    hl_ifs=$IFS
    IFS=
    set +f
    # shellcheck disable=SC2086 # the pattern must glob
    for hl_f in "$hl_R"$1; do
        [ -e "$hl_f" ] || [ -L "$hl_f" ] || continue
        printf '%s\000' "$hl_f" >>"$hl_tmp/g"
        hl_file "$hl_f"
    done
    IFS=$hl_ifs
    hl_frame G "$1" "$hl_tmp/g"
}

# hl_drbd: the drbd.d folder and whatever drbd.conf may include: every word after an
# "include" word, words split at ASCII blanks, quotes and semicolons.
hl_drbd() {
    hl_pats='/etc/drbd.d/*'
    hl_prev=
    set -f
    for hl_w in $(tr '\011\012\013\014\015";' '       ' 2>/dev/null <"$hl_R/etc/drbd.conf"); do
        if [ "$hl_prev" = include ]; then
            case $hl_w in
                /*) hl_pats=$hl_pats$hl_newline$hl_w ;;
                *) hl_pats=$hl_pats$hl_newline/etc/$hl_w ;;
            esac
        fi
        hl_prev=$hl_w
    done
    hl_difs=$IFS
    IFS=$hl_newline
    for hl_pat in $hl_pats; do
        IFS=$hl_difs
        hl_glob "$hl_pat"
        set -f
    done
    IFS=$hl_difs
    set +f
}

# hl_cmd CMD ARGS...: C frame of CMD's output and exit status, when CMD is installed.
hl_cmd() {
    command -v "$1" >/dev/null 2>&1 || { hl_rc=127; return 0; }
    hl_run "$hl_tmp/o" "$hl_tmp/e" "$@"
    hl_frame C "$*" "$hl_tmp/o" "$hl_rc"
}

# hl_live: the facts only a running node has (what collect.COMMANDS lists, and sfdisk -d of
# each disk when lsblk cannot print JSON: util-linux before 2.27, i.e. CentOS 5 and 6).
hl_live() {
    hl_need uname || return 1
    SYSTEMD_PAGER=
    SYSTEMD_COLORS=0
    export SYSTEMD_PAGER SYSTEMD_COLORS
    hl_cmd uname -n
    hl_cmd ip -o addr show
    hl_cmd chkconfig --list
    hl_cmd systemctl list-unit-files --type=service --no-pager
    hl_cmd lsblk -b -J
    if [ "$hl_rc" != 0 ]; then
        hl_glob '/sys/block/*/device'
        for hl_d in /sys/block/*; do
            [ -e "$hl_d/device" ] || continue
            hl_d=${hl_d##*/}
            case $hl_d in *!*) hl_d=$(printf '%s' "$hl_d" | tr '!' '/') ;; esac
            hl_cmd sfdisk -d "/dev/$hl_d"
        done
    fi
    return 0
}

hl_collect() {
    hl_root=$1
    hl_R=${hl_root%/}
    hl_frame_text I "$hl_root" "version=1"
    if [ ! -d "$hl_root" ]; then
        hl_frame_text X "$hl_root" "" not-a-directory
        return 3
    fi
    hl_need cat wc stat readlink tr || return 3
    if ! stat -c '%f' / >/dev/null 2>&1; then
        hl_frame_text X "stat -c" "" missing-command
        return 3
    fi
    for hl_p in $hl_config; do hl_file "$hl_R$hl_p"; done
    for hl_p in $hl_links; do hl_meta "$hl_R$hl_p"; done
    hl_drbd
    # The chkconfig rebuild: init scripts, and S links of each runlevel under both layouts.
    for hl_p in /etc/rc.d/init.d /etc/init.d; do
        hl_meta "$hl_R$hl_p"
        hl_listdir "$hl_R$hl_p" '*'
    done
    hl_meta "$hl_R/etc/rc.d/rc3.d"
    for hl_p in /etc/rc.d /etc; do
        for hl_lv in 0 1 2 3 4 5 6; do hl_listdir "$hl_R$hl_p/rc$hl_lv.d" 'S*'; done
    done
    if head -c 1 /dev/null >/dev/null 2>&1; then hl_head='head -c 1048576'; else hl_head='cat'; fi
    for hl_p in /proc/partitions /proc/drbd; do
        # shellcheck disable=SC2086 # hl_head is a command and its arguments
        hl_read "$hl_R$hl_p" $hl_head
    done
    if [ -z "$hl_R" ]; then hl_live || return 3; fi
    return 0
}

hl_main() {
    hl_begin collect
    if [ $# -ne 1 ]; then
        hl_frame_text X "usage" "" bad-arguments
        hl_end 3
        return
    fi
    if ! hl_start; then
        hl_frame_text X "${TMPDIR:-/tmp}" "" no-temp-folder
        hl_end 3
        return
    fi
    hl_collect "$1"
    hl_end $?
}

if [ "${1:-}" = -a ]; then
    shift
    (hl_main "$@") </dev/null | hl_armour
else
    hl_main "$@" </dev/null
fi
