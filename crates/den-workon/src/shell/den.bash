# bash part of the den integration: directory changes and tab completion.

_den_cd() {
    builtin cd -- "$@"
}

# Sets the array _den_words to the words of $1, split as an unquoted expansion is.
_den_split() {
    read -r -a _den_words <<<"${1-}"
}

# Completes environment names (workon, rmvirtualenv, cpvirtualenv, showvirtualenv). After an
# opening quote readline closes the quote itself; otherwise spaces and other special characters
# are escaped so the completed word reaches the function whole.
_den_complete_envs() {
    local _den_word=${COMP_WORDS[COMP_CWORD]} _den_name _den_quoted _den_in_quotes=0
    COMPREPLY=()
    case $_den_word in
        [\"\']*)
            _den_word=${_den_word:1}
            _den_in_quotes=1
            ;;
        *) _den_word=${_den_word//\\/} ;;
    esac
    while IFS= read -r _den_name; do
        if [ "$_den_in_quotes" = 1 ]; then
            COMPREPLY+=("$_den_name")
        else
            printf -v _den_quoted '%q' "$_den_name"
            COMPREPLY+=("$_den_quoted")
        fi
    done < <(_den_run env complete -- "$_den_word" 2>/dev/null)
}

# Completes directories under BASE (relative to it) for the word being completed.
_den_complete_dirs_in() {
    local _den_word=${COMP_WORDS[COMP_CWORD]} _den_dir
    COMPREPLY=()
    while IFS= read -r _den_dir; do
        COMPREPLY+=("${_den_dir#"$1"/}/")
    done < <(compgen -d -- "$1/$_den_word")
}

# cdvirtualenv: directories inside the active environment.
_den_complete_env_dirs() {
    COMPREPLY=()
    if [ -n "${VIRTUAL_ENV-}" ]; then
        _den_complete_dirs_in "$VIRTUAL_ENV"
    fi
}

# cdsitepackages: directories inside the active environment's site-packages.
_den_complete_site_dirs() {
    local _den_site_packages
    COMPREPLY=()
    if _den_find_site_packages 2>/dev/null; then
        _den_complete_dirs_in "$_den_site_packages"
    fi
}

# den itself: environment names after `den workon` and `den env path|show|remove|copy`;
# den's commands and options elsewhere, from clap_complete's `_den` (`den init bash
# --completions`), loaded at the first use so that starting a shell does not pay for it.
_den_complete_den() {
    local _den_names=0
    case "${COMP_WORDS[1]-} ${COMP_WORDS[2]-}" in
        'workon '*) [ "$COMP_CWORD" -ne 2 ] || _den_names=1 ;;
        'env path' | 'env show' | 'env remove' | 'env copy')
            [ "$COMP_CWORD" -lt 3 ] || _den_names=1
            ;;
    esac
    if [ "$_den_names" = 1 ]; then
        _den_complete_envs
        return
    fi
    if ! typeset -f _den >/dev/null; then
        eval "$(_den_run init bash --completions 2>/dev/null)"
        # The loaded script registers `_den` itself; this function stays in front of it.
        complete -F _den_complete_den -o bashdefault -o default den
    fi
    if typeset -f _den >/dev/null; then
        _den "$@"
    else
        COMPREPLY=()
    fi
}

complete -F _den_complete_envs workon rmvirtualenv cpvirtualenv showvirtualenv
complete -F _den_complete_den -o bashdefault -o default den
complete -o nospace -F _den_complete_env_dirs cdvirtualenv
complete -o nospace -F _den_complete_site_dirs cdsitepackages

# The file being sourced, when the integration is evaluated in one (see _den_set_script).
_den_set_script "${BASH_SOURCE[0]-}"
virtualenvwrapper_initialize
