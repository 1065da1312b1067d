# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vmcatcher_global_optspecs
    string join \n c/config= d/database= cert-dir= v/verbose q/quiet color= log-format= f/format= h/help V/version
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
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -s V -l version -d 'Print version'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "endorser" -d 'Manage who may sign image lists'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "config" -d 'Show the effective configuration'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c vmcatcher -n "__fish_vmcatcher_needs_command" -f -a "generate" -d 'Write the committed completions or man pages into a directory (for packagers)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -s c -l config -d 'Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -s d -l database -d 'Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]' -r
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -l cert-dir -d 'IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]' -r -F
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -l color -d 'When to colour diagnostics' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -l log-format -d 'Log line format, `json` for log shippers' -r -f -a "text\t''
json\t''"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -s f -l format -d 'Output format of records' -r -f -a "lines\t'The original\'s tab-separated lines and key=value blocks'
json\t'A documented, stable JSON schema'
message\t'The verified signed content of a list (subscribe show only)'
smime\t'The stored raw signed message, byte for byte (subscribe show only)'"
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -s v -l verbose -d 'Say more (repeat for more detail)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -s q -l quiet -d 'Say less (repeat for less)'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -s V -l version -d 'Print version'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -f -a "list" -d 'List endorser credentials, one line each: \'id\' \'dn\' \'ca\''
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -f -a "show" -d 'Show an endorser, its credentials and the subscriptions it may sign'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -f -a "create" -d 'Create an endorser, or add credentials to an existing one'
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and not __fish_seen_subcommand_from list show create delete" -f -a "delete" -d 'Delete an endorser with its credentials and subscription links'
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
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
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
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
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
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
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
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand endorser; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
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
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and not __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
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
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
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
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand completions" -s V -l version -d 'Print version'
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
complete -c vmcatcher -n "__fish_vmcatcher_using_subcommand generate" -s V -l version -d 'Print version'
