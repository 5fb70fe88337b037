# nodefs.sh - answers halint's questions about a node's files (elastix_halint/noderoot/remote.py):
# what is at a path, a whole tree, a directory's entries, a small file's bytes, a file's
# SHA-256, the login's uid and gid. Reads only: writes nothing on the node, not even a
# temporary file.
#
# The lines halint puts after this file: nf_root='/srv/node' (the node's root, '' for /), then
# nf_ask() { nf_stat PATH; nf_dir PATH; nf_tree PATH; nf_read PATH; nf_digest PATH; nf_bytes PATH; nf_ids; }
# with node paths (absolute, as under --root).
#
# Frames (frames.py), paths as ./NODEPATH:
#   L  -      STAT-LINES        the `stat -c` lines of the entries named by the next N frames
#   N  PATH   LINK-TEXT         one entry, in the order of the lines (data: its link text)
#   M  PATH                     nothing at PATH
#   C  PATH                     every entry of directory PATH has been sent
#   R  PATH   BYTES   info missing when unreadable (nf_read, nf_bytes)
#   H  PATH   HEX     info none when no digest tool can read it (nf_digest)
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

nf_stat() {
    nf_where "$1"
    if [ -e "$nf_w" ] || [ -L "$nf_w" ]; then
        nf_entries "$nf_w"
    else
        hl_frame_text M "$nf_w" ""
    fi
}

# nf_glob [recurse] MATCHES...: the entries a glob matched (an unmatched pattern is left as
# the one literal word: skipped), and with recurse the trees of the directories among them.
nf_glob() {
    nf_deep=$1
    shift
    if [ $# = 1 ] && [ ! -e "$1" ] && [ ! -L "$1" ]; then return 0; fi
    nf_entries "$@"
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
    if [ -f "$nf_w" ] && hl_sha256 "$nf_w"; then
        hl_frame_text H "$nf_w" "$hl_sum"
    else
        hl_frame_text H "$nf_w" "" none
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
