# bash part of the den integration: directory changes and tab completion.

_den_cd() {
    builtin cd -- "$@"
}

# Completes environment names (workon, rmvirtualenv, cpvirtualenv, showvirtualenv), escaping
# spaces and other special characters so the completed word reaches the function whole.
_den_complete_envs() {
    local _den_word=${COMP_WORDS[COMP_CWORD]} _den_name _den_quoted
    COMPREPLY=()
    while IFS= read -r _den_name; do
        printf -v _den_quoted '%q' "$_den_name"
        COMPREPLY+=("$_den_quoted")
    done < <(_den env complete -- "${_den_word//\\/}" 2>/dev/null)
}

# Completes directories inside the active environment (cdvirtualenv).
_den_complete_env_dirs() {
    local _den_word=${COMP_WORDS[COMP_CWORD]} _den_dir
    COMPREPLY=()
    [ -n "${VIRTUAL_ENV-}" ] || return 0
    while IFS= read -r _den_dir; do
        COMPREPLY+=("${_den_dir#"$VIRTUAL_ENV"/}/")
    done < <(compgen -d -- "$VIRTUAL_ENV/$_den_word")
}

complete -F _den_complete_envs workon rmvirtualenv cpvirtualenv showvirtualenv
complete -o nospace -F _den_complete_env_dirs cdvirtualenv

_den_source_global initialize
