# This environment is relocatable: it is wherever this script is. csh does not tell a sourced
# script its own path, so it is found among the shell's open files (Linux /proc).
set _den_activate = ""
if ( -d /proc/$$/fd ) then
    foreach _den_fd ( /proc/$$/fd/* )
        set _den_target = "`readlink $_den_fd:q`"
        if ( "$_den_target:q" =~ */{{BIN_NAME}}/activate.csh ) set _den_activate = "$_den_target:q"
    end
endif
if ( "$_den_activate:q" != "" ) then
    setenv VIRTUAL_ENV "$_den_activate:h:h"
else
    setenv VIRTUAL_ENV {{VIRTUAL_ENV}}
    if ( ! -f "$VIRTUAL_ENV:q/pyvenv.cfg" ) echo "activate.csh: csh cannot tell where this relocatable environment is now (it was made at $VIRTUAL_ENV:q); run 'den venv --make-relocatable DIR' at its new place, or source bin/activate from bash or zsh"
endif
unset _den_activate _den_fd _den_target
