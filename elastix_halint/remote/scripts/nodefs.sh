# nodefs.sh - answers halint's questions about a node's files (elastix_halint/noderoot/remote.py):
# what is at a path, a whole tree, a directory's entries, a small file's bytes, a file's
# SHA-256, the login's uid and gid. Reads only: writes nothing on the node, not even a
# temporary file.
#
# The lines halint puts after this file: nf_root='/srv/node' (the node's root, '' for /), then
# nf_ask() { nf_stat PATH; nf_dir PATH; nf_tree PATH; nf_pairs PATH OTHER; nf_read PATH;
#            nf_digest PATH; nf_bytes PATH; nf_ids; }
# with node paths (absolute, as under --root). So that one round trip answers what halint would
# otherwise ask in several, nf_stat of a link also answers for the steps of its target (when
# absolute), and nf_pairs lists a tree with what is at the same places under OTHER.
#
# Frames (frames.py), paths as ./NODEPATH:
#   L  -      STAT-LINES        the `stat -c` lines of the entries named by the next N frames
#   N  PATH   LINK-TEXT         one entry, in the order of the lines (data: its link text)
#   M  PATH                     nothing at PATH
#   C  PATH                     every entry of directory PATH has been sent
#   R  PATH   BYTES   info missing when unreadable (nf_read, nf_bytes)
#   H  PATH   HEX     info none when no digest tool can read it (nf_digest, nf_pairs)
#   I  -      "UID GID"
# Stat lines: raw mode (hex), uid, gid, size, atime and mtime (epoch seconds), then %x and %y
# whose fraction gives the nanoseconds (stat on CentOS 5 has no %.9Y; never %N: NODES.md).

# What halint sets after this file (these defaults: the node's /, no question).
nf_root=
nf_ask() { :; }

nf_fmt='%f %u %g %s %X %Y %x %y'

# nf_entries PATH...: the L frame of their stat lines, then one N frame each.
nf_entries() {
    if ! nf_lines=$(stat -c "$nf_fmt" -- "$@" 2>/dev/null); then
        # One of them went away meanwhile: one by one, so each line stays with its name.
        for nf_p; do
            if nf_lines=$(stat -c "$nf_fmt" -- "$nf_p" 2>/dev/null); then
                nf_entries "$nf_p"
            else
                hl_frame_text M "$nf_p" ""
            fi
        done
        return
    fi
    hl_frame_text L - "$nf_lines"
    for nf_p; do
        nf_t=
        if [ -L "$nf_p" ]; then nf_t=$(readlink -- "$nf_p"); fi
        hl_frame_text N "$nf_p" "$nf_t"
    done
}

nf_where() {
    nf_w=.$1
}

# nf_stat PATH: what is at PATH (once per run: nf_seen lists what was answered). For a link
# whose target is absolute, also each step of the target, down to the first one that is not
# a directory, since halint resolves the target next (not deeper: the target's own links).
nf_seen=
nf_chasing=
nf_stat() {
    nf_where "$1"
    case $nf_seen in *"<$1>"*) return 0 ;; esac
    nf_seen="$nf_seen<$1>"
    nf_t=
    if [ -e "$nf_w" ] || [ -L "$nf_w" ]; then
        nf_entries "$nf_w"
    else
        hl_frame_text M "$nf_w" ""
    fi
    if [ -n "$nf_t" ] && [ -z "$nf_chasing" ]; then
        nf_chasing=1
        nf_steps "$nf_t"
        nf_chasing=
    fi
}

# nf_steps /A/B/C: nf_stat /A, /A/B, /A/B/C while each is a directory ("." and "..": halint's).
nf_steps() {
    case $1 in /*) ;; *) return 0 ;; esac
    nf_rest=$1
    nf_step=
    while [ -n "$nf_rest" ]; do
        nf_part=${nf_rest%%/*}
        case $nf_rest in */*) nf_rest=${nf_rest#*/} ;; *) nf_rest= ;; esac
        case $nf_part in '') continue ;; .|..) return 0 ;; esac
        nf_step=$nf_step/$nf_part
        nf_stat "$nf_step"
        if [ ! -d "$nf_w" ] || [ -L "$nf_w" ]; then return 0; fi
    done
}

# nf_glob [recurse] MATCHES...: the entries a glob matched (an unmatched pattern is left as
# the one literal word: skipped), and with recurse the trees of the directories among them.
nf_glob() {
    nf_deep=$1
    shift
    if [ $# = 1 ] && [ ! -e "$1" ] && [ ! -L "$1" ]; then return 0; fi
    nf_entries "$@"
    if [ -n "$nf_other" ]; then nf_counterparts "$@"; fi
    if [ "$nf_deep" = deep ]; then
        for nf_d; do
            if [ -d "$nf_d" ] && [ ! -L "$nf_d" ]; then nf_children deep "$nf_d"; fi
        done
    fi
}

# nf_children [flat|deep] DIR: every entry in DIR (hidden ones too), then its C frame.
nf_children() {
    nf_glob "$1" "$2"/*
    nf_glob "$1" "$2"/.[!.]*
    nf_glob "$1" "$2"/..?*
    hl_frame_text C "$2" ""
}

nf_dir() {
    nf_stat "$1"
    if [ -d "$nf_w" ] && [ ! -L "$nf_w" ]; then nf_children flat "$nf_w"; fi
}

nf_tree() {
    nf_stat "$1"
    if [ -d "$nf_w" ] && [ ! -L "$nf_w" ]; then nf_children deep "$nf_w"; fi
}

# nf_pairs PATH OTHER: when PATH is a directory (an upgrade's copy where a link should be), its
# tree as nf_tree, and for each entry what is at the same place under OTHER (the replica): the
# upgraded copy compared with the replica's copy (links/tree.py) in the same round trip, with
# the SHA-256 of both files where both are regular files of one size.
nf_top=
nf_other=
nf_pairs() {
    nf_where "$2"
    nf_o=$nf_w
    nf_where "$1"
    if [ -d "$nf_w" ] && [ ! -L "$nf_w" ]; then
        nf_top=$nf_w
        nf_other=$nf_o
        nf_tree "$1"
        nf_other=
    fi
}

# nf_counterparts ENTRY...: (under nf_top) what is at their places under nf_other.
nf_counterparts() {
    nf_k=$#
    while [ "$nf_k" -gt 0 ]; do
        nf_c=$nf_other${1#"$nf_top"}
        shift
        if [ -e "$nf_c" ] || [ -L "$nf_c" ]; then set -- "$@" "$nf_c"; else hl_frame_text M "$nf_c" ""; fi
        nf_k=$((nf_k - 1))
    done
    if [ $# = 0 ]; then return 0; fi
    nf_entries "$@"
    for nf_c; do
        nf_u=$nf_top${nf_c#"$nf_other"}
        if [ -f "$nf_u" ] && [ ! -L "$nf_u" ] && [ -f "$nf_c" ] && [ ! -L "$nf_c" ]; then
            # shellcheck disable=SC2046 # two sizes, one a line
            if nf_equal $(stat -c %s -- "$nf_u" "$nf_c" 2>/dev/null); then
                nf_hash "$nf_u"
                nf_hash "$nf_c"
            fi
        fi
    done
}

nf_equal() {
    [ $# = 2 ] && [ "$1" = "$2" ]
}

nf_read() {
    nf_where "$1"
    if [ -f "$nf_w" ] && nf_c=$(cat -- "$nf_w" 2>/dev/null && echo .); then
        hl_frame_text R "$nf_w" "${nf_c%.}"
    else
        hl_frame_text R "$nf_w" "" missing
    fi
}

nf_bytes() {
    nf_where "$1"
    if [ -f "$nf_w" ] && [ -r "$nf_w" ]; then
        hl_frame R "$nf_w" "$nf_w"
    else
        hl_frame_text R "$nf_w" "" missing
    fi
}

nf_digest() {
    nf_where "$1"
    nf_hash "$nf_w"
}

nf_hash() {
    if [ -f "$1" ] && hl_sha256 "$1"; then
        hl_frame_text H "$1" "$hl_sum"
    else
        hl_frame_text H "$1" "" none
    fi
}

nf_ids() {
    hl_frame_text I - "$(id -u) $(id -g)"
}

nf_main() {
    hl_begin nodefs
    if ! cd "$nf_root/" 2>/dev/null; then
        hl_frame_text X "${nf_root:-/}" "" no-root
        hl_end 2
        return
    fi
    nf_ask
    hl_end 0
}
