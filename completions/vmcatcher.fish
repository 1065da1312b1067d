complete --keep-order --exclusive --command vmcatcher --arguments "(COMPLETE=fish vmcatcher -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
