# Activates the den virtual environment for fish.
# It must be sourced: `source bin/activate.fish`. `deactivate` undoes every change it makes.

function deactivate --description 'Leave the den virtual environment'
    if set -q _OLD_VIRTUAL_PATH
        set -gx PATH $_OLD_VIRTUAL_PATH
        set -e _OLD_VIRTUAL_PATH
    end
    if set -q _OLD_VIRTUAL_PYTHONHOME
        set -gx PYTHONHOME $_OLD_VIRTUAL_PYTHONHOME
        set -e _OLD_VIRTUAL_PYTHONHOME
    end
    if functions -q _den_old_fish_prompt
        functions -e fish_prompt
        functions -c _den_old_fish_prompt fish_prompt
        functions -e _den_old_fish_prompt
    end
    set -e VIRTUAL_ENV
    set -e VIRTUAL_ENV_PROMPT
    if test "$argv[1]" != nondestructive
        functions -e deactivate
    end
end

# Leave any environment activated before, keeping the `deactivate` function.
deactivate nondestructive

set -gx VIRTUAL_ENV {{VIRTUAL_ENV}}
set -gx VIRTUAL_ENV_PROMPT {{PROMPT}}

set -g _OLD_VIRTUAL_PATH $PATH
set -gx PATH $VIRTUAL_ENV/{{BIN_NAME}} $PATH

if set -q PYTHONHOME
    set -g _OLD_VIRTUAL_PYTHONHOME $PYTHONHOME
    set -e PYTHONHOME
end

if test -z "$VIRTUAL_ENV_DISABLE_PROMPT"; and functions -q fish_prompt
    functions -c fish_prompt _den_old_fish_prompt
    function fish_prompt --description 'Prompt prefixed with the den virtual environment name'
        # Keep the status of the last command for the original prompt to show.
        set -l last_status $status
        printf '(%s) ' $VIRTUAL_ENV_PROMPT
        echo "exit $last_status" | source
        _den_old_fish_prompt
    end
end
