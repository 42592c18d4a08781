# Activates the den virtual environment for POSIX shells (sh, bash, zsh, ksh, dash).
# It must be sourced, not run: `. bin/activate` (or `source bin/activate`).
# `deactivate` undoes every change it makes.

if [ -n "${BASH_VERSION-}" ] && [ "${BASH_SOURCE-}" = "$0" ]; then
    echo "$0 changes the current shell and must be sourced: run \`. $0\` instead" >&2
    exit 33
fi

deactivate () {
    if [ -n "${_OLD_VIRTUAL_PATH+set}" ]; then
        PATH=$_OLD_VIRTUAL_PATH
        export PATH
        unset _OLD_VIRTUAL_PATH
    fi
    if [ -n "${_OLD_VIRTUAL_PYTHONHOME+set}" ]; then
        PYTHONHOME=$_OLD_VIRTUAL_PYTHONHOME
        export PYTHONHOME
        unset _OLD_VIRTUAL_PYTHONHOME
    fi
    if [ -n "${_OLD_VIRTUAL_PS1+set}" ]; then
        PS1=$_OLD_VIRTUAL_PS1
        unset _OLD_VIRTUAL_PS1 _DEN_PROMPT
    fi
    unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT
    # Forget remembered command locations, so `python` is looked up in PATH again.
    hash -r 2>/dev/null || true
    if [ "${1-}" != nondestructive ]; then
        unset -f deactivate
    fi
}

# Leave any environment activated before, keeping the `deactivate` function.
deactivate nondestructive

{{SET_VIRTUAL_ENV}}
export VIRTUAL_ENV
VIRTUAL_ENV_PROMPT={{PROMPT}}
export VIRTUAL_ENV_PROMPT

_OLD_VIRTUAL_PATH=$PATH
PATH="$VIRTUAL_ENV/{{BIN_NAME}}:$PATH"
export PATH

if [ -n "${PYTHONHOME+set}" ]; then
    _OLD_VIRTUAL_PYTHONHOME=$PYTHONHOME
    unset PYTHONHOME
fi

# The prompt shows the name through a variable reference (bash, ksh and dash expand PS1 each
# time they print it), never by pasting the name into PS1, where `$(...)` would run.
if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT-}" ] && [ -n "${PS1+set}" ]; then
    _OLD_VIRTUAL_PS1=$PS1
    if [ -n "${ZSH_VERSION-}" ]; then
        # zsh reads `%` sequences in the prompt, and `$` ones only with PROMPT_SUBST.
        _DEN_PROMPT={{PROMPT_ZSH}}
        if [[ -o promptsubst ]]; then
            PS1='(${_DEN_PROMPT}) '"$PS1"
        else
            PS1="($_DEN_PROMPT) $PS1"
        fi
    elif [ -n "${KSH_VERSION-}" ]; then
        # ksh shows the history number for a `!` even in expanded values; `!!` is a `!`.
        _DEN_PROMPT={{PROMPT_KSH}}
        PS1='(${_DEN_PROMPT}) '"$PS1"
    elif [ -n "${BASH_VERSION-}" ] && ! shopt -q promptvars; then
        # Without promptvars bash only decodes backslash sequences.
        _DEN_PROMPT={{PROMPT_BASH_LITERAL}}
        PS1="($_DEN_PROMPT) $PS1"
    else
        PS1='(${VIRTUAL_ENV_PROMPT}) '"$PS1"
    fi
fi

hash -r 2>/dev/null || true
