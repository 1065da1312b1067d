#!/usr/bin/env bash
# Installs (or with --uninstall removes) vmcatcher: the binary, man pages, shell
# completions, the shipped hooks, the configuration, the systemd units and the cron job
# (as an example: the timer is the default scheduler).
#
# One database and one cache: the unit and the cron job run as root, as the administrator
# does, and the installed /etc/vmcatcher/vmcatcher.toml names the database, the cache
# directories and the hook directory, so every run uses the same ones.
#
#   scripts/install.sh                      # build (cargo, release) and install under /usr/local
#   PREFIX=/usr scripts/install.sh          # as a distribution package would
#   DESTDIR=/tmp/stage scripts/install.sh   # stage into a directory (packaging, tests)
#   scripts/install.sh --legacy-names       # also the original's command names (links)
#   scripts/install.sh --uninstall          # remove what install put there (links too)
#
# Variables: PREFIX (default /usr/local), DESTDIR (default empty), HOOKDIR (default
# /usr/libexec/vmcatcher/hooks, the hook directory vmcatcher looks in by default; written
# into the installed configuration's events.hook_dirs),
# SYSCONFDIR (default /etc), UNITDIR (default /usr/lib/systemd/system),
# VMCATCHER_BIN (an already built binary; default: cargo build --release --locked).
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
HOOKDIR=${HOOKDIR:-/usr/libexec/vmcatcher/hooks}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-/usr/lib/systemd/system}
BINDIR=$PREFIX/bin
MANDIR=$PREFIX/share/man/man1

bin=$DESTDIR$BINDIR/vmcatcher
man=$DESTDIR$MANDIR
bash_completion=$DESTDIR$PREFIX/share/bash-completion/completions/vmcatcher
zsh_completion=$DESTDIR$PREFIX/share/zsh/site-functions/_vmcatcher
fish_completion=$DESTDIR$PREFIX/share/fish/vendor_completions.d/vmcatcher.fish
hooks=$DESTDIR$HOOKDIR
config=$DESTDIR$SYSCONFDIR/vmcatcher/vmcatcher.toml
example=$DESTDIR$PREFIX/share/doc/vmcatcher/vmcatcher.toml.example
# The cron job is an alternative to the systemd timer: installed as documentation, to be
# copied to /etc/cron.d by sites without systemd.
cron=$DESTDIR$PREFIX/share/doc/vmcatcher/cron.d-vmcatcher
# The node exporter drop-in for the sync unit: documentation too, with BINDIR filled in.
textfile=$DESTDIR$PREFIX/share/doc/vmcatcher/vmcatcher-textfile.conf
units=$DESTDIR$UNITDIR
# Earlier versions ran the unit as a vmcatcher user made by this sysusers file: removed by
# both install and uninstall (the user itself, if systemd-sysusers made it, is left).
old_sysusers=$DESTDIR/usr/lib/sysusers.d/vmcatcher.conf

say() { printf '%s\n' "$*"; }

# install_with_bindir SOURCE TARGET: SOURCE with @BINDIR@ replaced, as TARGET (0644).
install_with_bindir() {
    sed "s|@BINDIR@|$BINDIR|g" "$1" > "$2"
    chmod 0644 "$2"
}

# The original vmcatcher 0.6.3's command names: links to vmcatcher, which takes their
# options when called by these names (cron lines and site scripts keep working).
legacy_names="vmcatcher_subscribe vmcatcher_image vmcatcher_endorser vmcatcher_cache"

install_legacy_names() {
    local name link
    for name in $legacy_names; do
        link=$DESTDIR$BINDIR/$name
        if [ -L "$link" ] || [ ! -e "$link" ]; then
            ln -sfn vmcatcher "$link"
        else
            # Not ours (the original's script, say): never overwritten.
            say "kept $link: it is not a link to vmcatcher (the original's? remove it first)" >&2
        fi
    done
    say "legacy command names linked in $DESTDIR$BINDIR: $legacy_names"
}

uninstall_legacy_names() {
    local name link
    for name in $legacy_names; do
        link=$DESTDIR$BINDIR/$name
        if [ -L "$link" ] && [ "$(readlink "$link")" = vmcatcher ]; then
            rm -f "$link"
        fi
    done
}

# The configuration as installed: the example with the hook directory of this install.
config_text() {
    sed "s|^hook_dirs = \[\"/usr/libexec/vmcatcher/hooks\"\]|hook_dirs = [\"$HOOKDIR\"]|" contrib/vmcatcher.toml
}

uninstall() {
    uninstall_legacy_names
    rm -f "$bin" "$bash_completion" "$zsh_completion" "$fish_completion" "$cron" "$textfile" \
        "$old_sysusers" "$example"
    rm -f "$man"/vmcatcher.1 "$man"/vmcatcher-*.1
    rm -f "$units/vmcatcher-sync.service" "$units/vmcatcher-sync.timer" \
        "$units/vmcatcher-events.service" "$units/vmcatcher-events.timer"
    for hook in plugins/vmcatcher-hook-*; do
        rm -f "$hooks/$(basename "$hook")"
    done
    rmdir "$hooks" 2>/dev/null || true
    # The configuration goes only if it is still the untouched example.
    if [ -f "$config" ] && config_text | cmp -s "$config" -; then
        rm -f "$config"
        rmdir "$(dirname "$config")" 2>/dev/null || true
    elif [ -f "$config" ]; then
        say "kept $config (it was changed)"
    fi
    say "vmcatcher uninstalled from ${DESTDIR:-/}"
}

install_all() {
    local built=${VMCATCHER_BIN:-}
    if [ -z "$built" ]; then
        cargo build --release --locked
        built=target/release/vmcatcher
    fi
    install -D -m 0755 "$built" "$bin"
    install -d -m 0755 "$man"
    install -m 0644 man/*.1 "$man/"
    install -D -m 0644 completions/vmcatcher.bash "$bash_completion"
    install -D -m 0644 completions/_vmcatcher "$zsh_completion"
    install -D -m 0644 completions/vmcatcher.fish "$fish_completion"
    install -d -m 0755 "$hooks"
    install -m 0755 plugins/vmcatcher-hook-* "$hooks/"
    install -d -m 0755 "$(dirname "$example")" "$(dirname "$config")"
    config_text > "$example"
    chmod 0644 "$example"
    if [ -e "$config" ]; then
        say "kept the existing $config (the example is $example)"
    else
        install -m 0644 "$example" "$config"
    fi
    install -d -m 0755 "$units" "$(dirname "$cron")"
    for unit in vmcatcher-sync.service vmcatcher-sync.timer \
        vmcatcher-events.service vmcatcher-events.timer; do
        install_with_bindir "contrib/systemd/$unit" "$units/$unit"
    done
    install_with_bindir contrib/cron/vmcatcher "$cron"
    install_with_bindir contrib/systemd/vmcatcher-textfile.conf "$textfile"
    rm -f "$old_sysusers"
    say "vmcatcher installed into ${DESTDIR:-/} (PREFIX=$PREFIX)"
    if [ -z "$DESTDIR" ]; then
        say "next: systemctl daemon-reload; systemctl enable --now vmcatcher-sync.timer"
        say "      (without systemd: cp $cron $SYSCONFDIR/cron.d/vmcatcher)"
        say "      with events.delivery = \"deferred\": systemctl enable --now vmcatcher-events.timer"
    fi
}

case "${1:-}" in
    --uninstall) uninstall ;;
    --legacy-names) install_all; install_legacy_names ;;
    "") install_all ;;
    *) say "usage: $0 [--legacy-names | --uninstall]" >&2; exit 2 ;;
esac
