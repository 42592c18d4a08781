# zsh part of the den integration: directory changes and tab completion.

_den_cd() {
    builtin cd -q -- "$@"
}

# Sets the array _den_words to the words of $1, split as an unquoted expansion is.
_den_split() {
    _den_words=(${=1})
}

# Environment names (workon, rmvirtualenv, cpvirtualenv, showvirtualenv); compadd quotes
# names with spaces.
_den_complete_envs() {
    local -a _den_names
    _den_names=(${(f)"$(_den_run env complete 2>/dev/null)"})
    compadd -a _den_names
}

# den itself: environment names after `den workon` and `den env path|show|remove|copy`;
# den's commands and options elsewhere, from clap_complete's `_den` (`den init zsh
# --completions`), loaded at the first use so that starting a shell does not pay for it.
_den_complete_den() {
    if [[ ( $CURRENT -eq 3 && ${words[2]} == workon ) ||
        ( $CURRENT -ge 4 && ${words[2]} == env && ${words[3]} == (path|show|remove|copy) ) ]]; then
        _den_complete_envs
        return
    fi
    if (( ! $+functions[_den] )); then
        eval "$(_den_run init zsh --completions 2>/dev/null)"
        # The loaded script registers `_den` itself; this function stays in front of it.
        compdef _den_complete_den den
    fi
    if (( $+functions[_den] )); then
        _den "$@"
    else
        _files
    fi
}

# The same for the old completion system (compctl), when compinit was not loaded first.
_den_compctl_envs() {
    reply=(${(f)"$(_den_run env complete 2>/dev/null)"})
}

# Directories inside the active environment (cdvirtualenv) or its site-packages
# (cdsitepackages).
_den_complete_env_dirs() {
    [[ -n ${VIRTUAL_ENV-} ]] && _path_files -/ -W "$VIRTUAL_ENV"
}
_den_complete_site_dirs() {
    local _den_site_packages
    _den_find_site_packages 2>/dev/null && _path_files -/ -W "$_den_site_packages"
}

if (( $+functions[compdef] )); then
    compdef _den_complete_envs workon rmvirtualenv cpvirtualenv showvirtualenv
    compdef _den_complete_den den
    compdef _den_complete_env_dirs cdvirtualenv
    compdef _den_complete_site_dirs cdsitepackages
else
    compctl -K _den_compctl_envs workon rmvirtualenv cpvirtualenv showvirtualenv
fi

# The file being sourced, when the integration is evaluated in one (see _den_set_script).
_den_set_script "${(%):-%x}"
virtualenvwrapper_initialize
