# Activates the den virtual environment for Nushell, as an overlay:
# `overlay use bin/activate.nu`. `deactivate` drops the overlay and with it every change made
# here, keeping the current directory.

{{ROOT_CONST}}export-env {
    let venv = {{VIRTUAL_ENV}}
    let bin = ($venv | path join {{BIN_NAME}})
    let prompt_name = {{PROMPT}}

    # Windows spells the variable `Path`; PATH may still be a string before conversion.
    let path_name = if ('Path' in $env) { 'Path' } else { 'PATH' }
    let old_path = ($env | get $path_name)
    let old_path = if (($old_path | describe) == 'string') {
        $old_path | split row (char esep)
    } else {
        $old_path
    }

    mut changes = {
        VIRTUAL_ENV: $venv
        VIRTUAL_ENV_PROMPT: $prompt_name
    }
    $changes = ($changes | insert $path_name ($old_path | prepend $bin))

    if ($env.VIRTUAL_ENV_DISABLE_PROMPT? | default '' | is-empty) {
        let old_prompt = ($env.PROMPT_COMMAND? | default '')
        let prefix = '(' + $prompt_name + ') '
        let new_prompt = {||
            let old = if (($old_prompt | describe) == 'closure') { do $old_prompt } else { $old_prompt }
            $prefix + $old
        }
        # `insert` would call a closure value to compute it; `merge` stores it as it is.
        $changes = ($changes | merge { PROMPT_COMMAND: $new_prompt })
    }

    load-env $changes
    hide-env -i PYTHONHOME
}

export alias pydoc = python -m pydoc
# Hiding the overlay drops everything set while it was active; keep the directory the user
# moved to. (Other variables set after activation go with the overlay: set them before.)
export alias deactivate = overlay hide activate --keep-env [PWD]
