//! Command-line commands (add, cat, get, ls, block, dag, pin, repo, cid).
