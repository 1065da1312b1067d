# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vmcatcher_global_optspecs
    string join \n V/version c/config= d/database= cert-dir= v/verbose q/quiet color= log-format= f/format= h/help
end

function __fish_vmcatcher_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vmcatcher_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vmcatcher_using_subcommand
    set -l cmd (__fish_vmcatcher_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s V -l version -d 'Print the version (with -v: also the SQLite and OpenSSL libraries in use)'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "endorser" -d 'Manage who may sign image lists'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "subscribe" -d 'Subscribe to signed image lists and keep them current'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "image" -d 'Choose which images of the lists to keep in the cache'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "cache" -d 'Expire, check and download images: keep the cache in step with the lists'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "sync" -d 'Update every subscription, then expire and download: the job for cron and systemd'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "verify" -d 'Check a signed image list without touching the database'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "events" -d 'The event journal: deliveries to handlers, and retrying them'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "hooks" -d 'The handlers events run'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "config" -d 'Show the effective configuration'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "generate" -d 'Write the committed completions or man pages into a directory (for packagers)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -f -a "list" -d 'List endorser credentials, one line each: \'id\' \'dn\' \'ca\''
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -f -a "show" -d 'Show an endorser, its credentials and the subscriptions it may sign'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -f -a "create" -d 'Create an endorser, or add credentials to an existing one'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -f -a "links" -d 'List endorser <-> subscription links: \'endorser\' \'subscription\' \'True\''
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -f -a "link" -d 'Allow an endorser to sign a subscription\'s lists'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -f -a "unlink" -d 'Withdraw an endorser from a subscription; lists it signed stop being valid'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create links link unlink delete" -f -a "delete" -d 'Delete an endorser with its credentials and subscription links'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -l dn -d 'Certificate subject in OpenSSL one-line form; pair each with a --ca' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -l ca -d 'Issuer (CA) subject in OpenSSL one-line form, paired with the --dn at the same position' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from links" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from links" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from links" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from links" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from links" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from links" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from links" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from links" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from links" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from link" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from link" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from link" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from link" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from link" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from link" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from link" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from link" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from link" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from unlink" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from unlink" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from unlink" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from unlink" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from unlink" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from unlink" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from unlink" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from unlink" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from unlink" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -f -a "add" -d 'Subscribe to an image list: fetch, verify and import it before storing anything'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -f -a "list" -d 'List subscriptions: identifier, authorised, trust anchors, URL'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -f -a "show" -d 'Show subscriptions and their current lists'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -f -a "update" -d 'Fetch and verify lists again and import the ones that changed'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -f -a "set" -d 'Change how a subscription is fetched and what happens to new images'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -f -a "accept" -d 'Pre-approve image identifiers for a subscription (also ones not yet listed)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -f -a "refuse" -d 'Refuse image identifiers: they are not registered nor announced again'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and not __fish_seen_subcommand_from add list show update set accept refuse delete" -f -a "delete" -d 'Delete subscriptions with their lists and images'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -l new-images -d 'What to do with images that first appear in a later list [add default: accept]' -r -f -a "refuse\t'Not registered until \'subscribe accept\''
accept\t'Registered, not selected for the cache'
subscribe\t'Registered and selected for the cache'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -l tls-anchors -d 'Which certificates may authenticate the https server [add default: both]' -r -f -a "system\t'The system\'s CA roots'
igtf\t'The CAs of the IGTF trust directory only'
both\t'Both'
none\t'No server verification (not recommended)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -l username -d 'HTTP basic-auth user name' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -l password-file -d 'File holding the HTTP basic-auth password (\'-\' for standard input)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -l auto-endorse -d 'Create and link the signer as an endorser when it is not known yet'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from list" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from list" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from list" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from list" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from list" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from show" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from show" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from show" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from show" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from show" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -s x -l execute -d 'Shell command run for every event of this run [env: VMCATCHER_SUB_EVENT]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -l new-images -d 'What to do with images that first appear in a later list [add default: accept]' -r -f -a "refuse\t'Not registered until \'subscribe accept\''
accept\t'Registered, not selected for the cache'
subscribe\t'Registered and selected for the cache'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -l tls-anchors -d 'Which certificates may authenticate the https server [add default: both]' -r -f -a "system\t'The system\'s CA roots'
igtf\t'The CAs of the IGTF trust directory only'
both\t'Both'
none\t'No server verification (not recommended)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -l username -d 'HTTP basic-auth user name' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -l password-file -d 'File holding the HTTP basic-auth password (\'-\' for standard input)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -l url -d 'Fetch the list from this URL from now on (e.g. after the list moved its hv:uri)' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -l clear-credentials -d 'Forget the stored user name and password'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from accept" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from accept" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from accept" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from accept" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from accept" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from accept" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from accept" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from accept" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from accept" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from refuse" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from refuse" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from refuse" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from refuse" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from refuse" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from refuse" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from refuse" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from refuse" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from refuse" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from delete" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from delete" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from delete" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from delete" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from delete" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from delete" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand subscribe; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -f -a "list" -d 'List images: identifier, state (1 subscribed + 2 available), subscription'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -f -a "show" -d 'Show images as their subscription\'s current list describes them'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -f -a "subscribe" -d 'Select images for the cache'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and not __fish_seen_subcommand_from list show subscribe unsubscribe" -f -a "unsubscribe" -d 'Deselect images: they leave the cache at the next expire'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -l subscription -d 'Only the images of this subscription' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from show" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from show" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from show" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from show" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from show" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -l sha512 -d 'Select by the SHA-512 of an image in any stored list' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from subscribe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -l sha512 -d 'Select by the SHA-512 of an image in any stored list' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand image; and __fish_seen_subcommand_from unsubscribe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -l cache-dir -d 'Directory of verified images [env: VMCATCHER_CACHE_DIR_CACHE]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -l partial-dir -d 'Directory of downloads in progress [env: VMCATCHER_CACHE_DIR_DOWNLOAD]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -l expired-dir -d 'Directory of expired images [env: VMCATCHER_CACHE_DIR_EXPIRE]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -s x -l execute -d 'Shell command run for every event of this run [env: VMCATCHER_CACHE_EVENT]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand cache" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -l cache-dir -d 'Directory of verified images [env: VMCATCHER_CACHE_DIR_CACHE]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -l partial-dir -d 'Directory of downloads in progress [env: VMCATCHER_CACHE_DIR_DOWNLOAD]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -l expired-dir -d 'Directory of expired images [env: VMCATCHER_CACHE_DIR_EXPIRE]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -s x -l execute -d 'Shell command run for every event of this run [env: VMCATCHER_CACHE_EVENT]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -l tls-anchors -d 'Which certificates may authenticate an https server' -r -f -a "system\t'The system\'s CA roots'
igtf\t'The CAs of the IGTF trust directory only'
both\t'Both'
none\t'No server verification (not recommended)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -f -a "list" -d 'List deliveries: id, type, image, handler, state, tries'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and not __fish_seen_subcommand_from list retry" -f -a "retry" -d 'Deliver pending events now'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -l pending -d 'Only deliveries waiting for a retry'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -l failed -d 'Only deliveries given up after events.max_tries'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -s x -l execute -d 'Shell command for pending deliveries to the command handler [env: VMCATCHER_CACHE_EVENT]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand events; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and not __fish_seen_subcommand_from list" -f -a "list" -d 'Print the handlers events would run, in order, with full paths; then the shadowed and disabled ones'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and __fish_seen_subcommand_from list" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and __fish_seen_subcommand_from list" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and __fish_seen_subcommand_from list" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and __fish_seen_subcommand_from list" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and __fish_seen_subcommand_from list" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand hooks; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -f -a "show" -d 'Print every effective setting and where it came from'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
