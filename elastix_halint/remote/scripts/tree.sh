# tree.sh - runs one action of treelib.sh (see there for the actions and their frames).

tree_action=$1
shift
case $tree_action in
    send) tree_send "$@" ;;
    digest) tree_digest ;;
    facts | list | names | survey)
        if ! hl_start; then
            echo "halint: cannot create a temporary folder in ${TMPDIR:-/tmp} on the node" >&2
            exit 3
        fi
        hl_begin "tree-$tree_action"
        if "tree_$tree_action" "$@" </dev/null; then hl_end 0; else hl_end 1; fi
        ;;
    *) echo "halint: tree.sh: unknown action $tree_action" >&2; exit 3 ;;
esac
