# Activates the den virtual environment for csh and tcsh.
# It must be sourced: `source bin/activate.csh`. `deactivate` undoes every change it makes.

alias deactivate 'test $?_OLD_VIRTUAL_PATH != 0 && setenv PATH "$_OLD_VIRTUAL_PATH:q" && unset _OLD_VIRTUAL_PATH; test $?_OLD_VIRTUAL_PYTHONHOME != 0 && setenv PYTHONHOME "$_OLD_VIRTUAL_PYTHONHOME:q" && unset _OLD_VIRTUAL_PYTHONHOME; test $?_OLD_VIRTUAL_PROMPT != 0 && set prompt="$_OLD_VIRTUAL_PROMPT:q" && unset _OLD_VIRTUAL_PROMPT; unsetenv VIRTUAL_ENV; unsetenv VIRTUAL_ENV_PROMPT; rehash; test "\!:*" != "nondestructive" && unalias deactivate'

# Leave any environment activated before, keeping the `deactivate` alias.
deactivate nondestructive

{{SET_VIRTUAL_ENV}}
setenv VIRTUAL_ENV_PROMPT {{PROMPT}}

set _OLD_VIRTUAL_PATH="$PATH:q"
setenv PATH "${VIRTUAL_ENV:q}/{{BIN_NAME}}:${PATH:q}"

if ( $?PYTHONHOME ) then
    set _OLD_VIRTUAL_PYTHONHOME="$PYTHONHOME:q"
    unsetenv PYTHONHOME
endif

set _den_show_prompt = 1
if ( $?VIRTUAL_ENV_DISABLE_PROMPT ) then
    if ( "$VIRTUAL_ENV_DISABLE_PROMPT:q" != "" ) set _den_show_prompt = 0
endif
if ( $_den_show_prompt && $?prompt ) then
    set _OLD_VIRTUAL_PROMPT="$prompt:q"
    # tcsh reads `%` and `!` sequences in the prompt; csh only `!`.
    if ( $?tcsh ) then
        set prompt = {{PROMPT_TCSH}}"$prompt:q"
    else
        set prompt = {{PROMPT_CSH}}"$prompt:q"
    endif
endif
unset _den_show_prompt

rehash
