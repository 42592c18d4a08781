# den shell integration for fish: virtualenvwrapper's commands (workon, mkvirtualenv,
# deactivate, ...) with den doing the work. Load it from ~/.config/fish/config.fish:
#     den init fish | source
# den is found as `command den`, or set DEN_EXECUTABLE to the binary to use.
# Sourced hooks (postmkvirtualenv, postactivate, predeactivate, postdeactivate,
# postcpvirtualenv, postmkproject) run in this shell: for each, HOOK.fish is sourced when it
# exists, else HOOK itself (which then must be fish code). Variables they should leave behind
# need `set -g`. den runs the other hooks as processes.

# Runs the den binary, never the `den` function below.
function __den
    if test -n "$DEN_EXECUTABLE"
        $DEN_EXECUTABLE $argv
    else
        command den $argv
    end
end

function den --description 'den; `den workon` and `den deactivate` act on this shell'
    switch "$argv[1]"
        case workon
            set -e argv[1]
            workon $argv
        case deactivate
            set -e argv[1]
            if functions -q __den_venv_deactivate
                deactivate $argv
            else
                echo "den: no environment was activated with workon in this shell" >&2
                return 1
            end
        case '*'
            __den $argv
    end
end

# Sources FILE.fish, else FILE, when it exists.
function __den_source --argument-names file
    if test -f "$file.fish"
        source "$file.fish"
    else if test -f "$file"
        source "$file"
    end
end

# Sources the global hook NAME from $VIRTUALENVWRAPPER_HOOK_DIR (default: WORKON_HOME, whose
# default is ~/.virtualenvs), resolved as den does: a leading `~` is $HOME, a relative path is
# taken from the current directory.
function __den_source_global --argument-names name
    set -l dir $VIRTUALENVWRAPPER_HOOK_DIR
    test -n "$dir"; or set dir $WORKON_HOME
    test -n "$dir"; or set dir $HOME/.virtualenvs
    set dir (string replace -r '^~(?=/|$)' $HOME -- $dir)
    string match -q -- '/*' $dir; or set dir $PWD/$dir
    __den_source "$dir/$name"
end

# Prints the file linking ENV_DIR to its project: VIRTUALENVWRAPPER_PROJECT_FILENAME (default
# .project) in it.
function __den_project_file --argument-names env_dir
    set -l name .project
    test -n "$VIRTUALENVWRAPPER_PROJECT_FILENAME"; and set name $VIRTUALENVWRAPPER_PROJECT_FILENAME
    printf '%s\n' "$env_dir/$name"
end

# Prints the project directory recorded in ENV_DIR's project file; fails if none.
function __den_project --argument-names env_dir
    set -l file (__den_project_file $env_dir)
    test -f "$file"; or return 1
    read -l project <"$file"
    test -n "$project"; or return 1
    printf '%s\n' $project
end

# Fails with virtualenvwrapper's message unless an environment is active.
function __den_require_active
    if test -z "$VIRTUAL_ENV"; or not test -d "$VIRTUAL_ENV"
        echo "ERROR: no virtualenv active, or active virtualenv is missing" >&2
        return 1
    end
end

# Prints the active environment's site-packages directory.
function __den_site_packages
    __den_require_active; or return 1
    __den env path --site-packages -- (string replace -r '.*/' '' -- $VIRTUAL_ENV)
end

function __den_workon_help
    printf '%s\n' \
        'Usage: workon [-c|--cd] [-n|--no-cd] [env_name]' \
        '' \
        '  workon env_name   Leave the active environment (running its deactivate hooks), then' \
        '                    activate env_name, running the preactivate and postactivate hooks.' \
        '  workon .          Activate the environment named like the current directory.' \
        '  workon            List the environments (like lsvirtualenv -b).' \
        "  -c, --cd          Change to the environment's project directory after activating." \
        '  -n, --no-cd       Stay in the current directory.' \
        '                    The default comes from VIRTUALENVWRAPPER_WORKON_CD (1: change directory).' \
        '  -h, --help        Show this help.'
end

function workon --description 'Activate a named environment, or list them'
    set -l cd_after 1
    test -n "$VIRTUALENVWRAPPER_WORKON_CD"; and set cd_after $VIRTUALENVWRAPPER_WORKON_CD
    set -l name
    set -l options 1
    for arg in $argv
        if test $options = 1
            switch $arg
                case -h --help
                    __den_workon_help
                    return 0
                case -c --cd
                    set cd_after 1
                    continue
                case -n --no-cd
                    set cd_after 0
                    continue
                case --
                    set options 0
                    continue
            end
        end
        test -n "$name"; or set name $arg
    end
    if test -z "$name"
        __den env list --brief
        return 1
    end
    if test "$name" = .
        set name (string replace -r '.*/' '' -- $PWD)
    end
    # A pipe, not a command substitution: fish sends the stderr of those past the caller's
    # redirections, and den's error belongs to this call.
    __den env path -- $name | read -l env_dir; or return 1
    if not test -f "$env_dir/bin/activate.fish"
        echo "ERROR: Environment '$env_dir' does not contain an activate.fish script." >&2
        return 1
    end
    # Leave the environment activated by workon, with its hooks, before entering the new one.
    if functions -q __den_venv_deactivate
        deactivate
    end
    __den env hook preactivate -- $name; or return
    source "$env_dir/bin/activate.fish"; or return
    # Keep the activation script's deactivate under another name and put ours, which runs
    # the hooks around it, in its place.
    if functions -q deactivate
        functions -c deactivate __den_venv_deactivate
        functions -e deactivate
        function deactivate --description 'Leave the environment, running the deactivate hooks'
            __den_deactivate $argv
        end
    end
    if set -l project (__den_project $VIRTUAL_ENV)
        test "$cd_after" = 1; and builtin cd $project
        __den_source "$project/.virtualenvwrapper/postactivate"
    end
    __den_source_global postactivate
    __den_source "$VIRTUAL_ENV/bin/postactivate"
    return 0
end

# The body of `deactivate` while an environment activated by workon is active.
function __den_deactivate
    set -l old $VIRTUAL_ENV
    if set -l project (__den_project $old)
        __den_source "$project/.virtualenvwrapper/predeactivate"
    end
    __den_source "$old/bin/predeactivate"
    __den_source_global predeactivate
    __den_venv_deactivate nondestructive
    if test "$argv[1]" != nondestructive
        functions -e deactivate __den_venv_deactivate
    end
    set -gx VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV $old
    __den_source "$old/bin/postdeactivate"
    __den_source_global postdeactivate
    set -e VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV
    if test -f "$old/.den-tmp-env"
        # Leave the environment before it goes (to WORKON_HOME, as rmvirtualenv does), so
        # this shell does not stay in a deleted directory.
        if test (string sub -l (string length -- "$old/") -- "$PWD/") = "$old/"
            builtin cd (string replace -r '/[^/]*$' '' -- $old)
        end
        set -l name (string replace -r '.*/' '' -- $old)
        echo "Removing temporary environment: $name"
        __den env remove -- $name
    end
end

function __den_mkvirtualenv_help
    printf '%s\n' \
        'Usage: mkvirtualenv [-a project_path] [-i package] [-r requirements_file]' \
        '                    [-p python_interpreter | --python=python_interpreter] [den env create options]' \
        '                    env_name' \
        '' \
        'Create env_name in WORKON_HOME, activate it, then source the postmkvirtualenv hook. An' \
        'existing env_name is updated in place, keeping its packages (as virtualenv does).' \
        '  -a project_path   Associate the environment with this project directory.' \
        '  -i package        Install a package into the new environment (repeatable).' \
        '  -r file           Install the requirements listed in file (repeatable).' \
        '  -p python         The interpreter to base the environment on (a version or a path).' \
        'Other options go to `den env create` (see `den env create --help`).'
end

# Prints two lines: 1 when -h or --help comes before any `--` among mkvirtualenv ARGS (else 0),
# then the environment name (the last word that is neither an option nor an option's value;
# every word after `--` is a name).
function __den_name_in_args
    set -l help 0
    set -l name
    set -l value 0
    set -l options 1
    for arg in $argv
        if test $options = 0
            set name $arg
        else if test $value = 1
            set value 0
        else
            switch $arg
                case -h --help
                    set help 1
                case --
                    set options 0
                case -a -i -r -p --python --prompt --requirement --install
                    set value 1
                case '-*'
                case '*'
                    set name $arg
            end
        end
    end
    printf '%s\n' $help "$name"
end

function mkvirtualenv --description 'Create a named environment and activate it'
    set -l parsed (__den_name_in_args $argv)
    if test $parsed[1] = 1
        __den_mkvirtualenv_help
        return 0
    end
    __den env create --reuse $argv; or return
    workon -- $parsed[2]; or return
    __den_source_global postmkvirtualenv
end

function rmvirtualenv --description 'Remove named environments'
    if test (count $argv) -eq 0
        echo "Please specify an environment." >&2
        return 1
    end
    set -l home $WORKON_HOME
    test -n "$home"; or set home $HOME/.virtualenvs
    # One at a time, as virtualenvwrapper: a name with no environment is said and its hooks
    # still run, without failing the others.
    for name in $argv
        if test -d "$home/$name"
            __den env remove -- $name; or return $status
        else
            echo "Removing $name..."
            echo "Did not find environment $home/$name to remove." >&2
            __den env hook prermvirtualenv '' $name
            __den env hook postrmvirtualenv '' $name
        end
    end
    # The current directory may have been inside a removed environment.
    if not test -d "$PWD"
        builtin cd $home
    end
    return 0
end

function __den_lsvirtualenv_usage
    printf '%s\n' 'lsvirtualenv [-blh]' \
        '  -b  brief: names only' \
        '  -l  long: names with the details of get_env_details hooks (the default)' \
        '  -h  this help'
end

function lsvirtualenv --description 'List the named environments'
    set -l mode --long
    for arg in $argv
        switch $arg
            case -b
                set mode --brief
            case -l
                set mode --long
            case -h
                __den_lsvirtualenv_usage
                return 1
            case '*'
                echo "Invalid option: $arg" >&2
                __den_lsvirtualenv_usage
                return 1
        end
    end
    __den env list $mode
end

function showvirtualenv --description 'Show the details of an environment'
    __den env show --hooks-only -- $argv
end

function cpvirtualenv --description 'Copy an environment to a new name and activate the copy'
    set -l source_env (string replace -r '/$' '' -- "$argv[1]")
    if test -z "$source_env"
        echo "Please provide a valid virtualenv to copy."
        return 1
    end
    set -l target (string replace -r '.*/' '' -- $source_env)
    test -n "$argv[2]"; and set target $argv[2]
    __den env copy -- $source_env $target; or return
    workon -- $target; or return
    __den_source_global postmkvirtualenv
    __den_source_global postcpvirtualenv
end

function cdvirtualenv --description "Change to the active environment's directory"
    __den_require_active; or return 1
    builtin cd "$VIRTUAL_ENV/$argv[1]"
end

function cdsitepackages --description "Change to the active environment's site-packages"
    __den_site_packages | read -l site_packages; or return 1
    builtin cd "$site_packages/$argv[1]"
end

function lssitepackages --description "List the active environment's site-packages"
    __den_site_packages | read -l site_packages; or return 1
    ls $argv $site_packages
    if test -f "$site_packages/_virtualenv_path_extensions.pth"
        echo
        echo "_virtualenv_path_extensions.pth:"
        cat "$site_packages/_virtualenv_path_extensions.pth"
    end
end

function mktmpenv --description 'Create a temporary environment, removed on deactivate'
    set -l cd_after 1
    test -n "$VIRTUALENVWRAPPER_WORKON_CD"; and set cd_after $VIRTUALENVWRAPPER_WORKON_CD
    set -l args
    for arg in $argv
        switch $arg
            case -c --cd
                set cd_after 1
            case -n --no-cd
                set cd_after 0
            case '*'
                set -a args $arg
        end
    end
    __den env tmp $args | read -l name; or return 1
    workon -- $name; or return
    __den_source_global postmkvirtualenv
    test "$cd_after" = 1; and cdvirtualenv
    echo "This is a temporary environment. It will be deleted when you run 'deactivate'."
end

function wipeenv --description 'Uninstall every package of the active environment'
    __den_require_active; or return 1
    __den env wipe
end

# Runs COMMAND... in every environment (activated without hooks, from its directory), after
# the environment's name underlined; the current directory and environment are kept.
function allvirtualenv --description 'Run a command in every environment'
    set -l here $PWD
    for name in (__den env list --brief)
        __den env path -- $name | read -l env_dir; or continue
        printf '%s\n%s\n' $name (string replace -ra . = -- $name)
        begin
            set -lx VIRTUAL_ENV $env_dir
            set -lx PATH $env_dir/bin $PATH
            # Empty counts as unset for Python; erasing would reach the global variable.
            set -lx PYTHONHOME
            builtin cd $env_dir; and $argv
        end
        builtin cd $here
        echo
    end
end

function add2virtualenv --description "Add directories to the active environment's import path"
    __den env add-path $argv
end

function toggleglobalsitepackages --description 'Switch access to the global site-packages'
    if test "$argv[1]" = -q
        __den env toggle-global-site-packages $argv[2..-1] >/dev/null
    else
        __den env toggle-global-site-packages $argv
    end
end

# mkproject's help, then the project templates of PYTHON ($argv[1]), when there is one.
function __den_mkproject_help
    printf '%s\n' \
        'Usage: mkproject [-f|--force] [-t template] [mkvirtualenv options] project_name' \
        '' \
        'Create PROJECT_HOME/project_name and an environment of the same name bound to it, activate' \
        'it and change to the project directory.' \
        '  -f, --force   Use the project directory even if it already exists.' \
        "  -t template   Apply a project template (virtualenvwrapper's plugins) to the new project;" \
        '                repeat to apply several, in order.' \
        '' \
        'Available project templates:' \
        ''
    test -n "$argv[1]"; and __den env template --python $argv[1]
end

# The interpreter whose project templates mkproject uses: VIRTUALENVWRAPPER_PYTHON, else the
# python3 (or python) on PATH.
function __den_template_python
    if test -n "$VIRTUALENVWRAPPER_PYTHON"
        echo $VIRTUALENVWRAPPER_PYTHON
    else
        command -v python3; or command -v python
    end
end

# virtualenvwrapper's order: mkvirtualenv (premkvirtualenv, creation, activation with its
# hooks, postmkvirtualenv), then premkproject, the project directory, cd, postmkproject. The
# project is checked first, so a refused one leaves no environment behind.
function mkproject --description 'Create a project directory and its environment'
    set -l args
    set -l force
    set -l options 1
    set -l templates
    set -l template 0
    set -l result 0
    for arg in $argv
        if test $template = 1
            set -a templates $arg
            set template 0
            continue
        end
        if test $options = 1
            switch $arg
                case --
                    set options 0
                case -f --force
                    set force --force
                    continue
                case -t
                    set template 1
                    continue
            end
        end
        set -a args $arg
    end
    set -l parsed (__den_name_in_args $args)
    # Found before the new environment is activated: its python has no templates.
    set -l python (__den_template_python)
    if test $parsed[1] = 1
        __den_mkproject_help "$python"
        return 0
    end
    __den env mkproject-dir --check $force -- $parsed[2]; or return
    mkvirtualenv $args; or return
    __den env mkproject-dir $force -- $parsed[2]; or return
    if set -l project (__den_project $VIRTUAL_ENV)
        builtin cd $project
        for name in $templates
            echo
            echo "Applying template $name"
            __den env template --python "$python" -- $name $parsed[2] $project; or set result 1
        end
    end
    __den_source_global postmkproject
    return $result
end

function setvirtualenvproject --description 'Bind an environment to a project directory'
    set -l env_dir $argv[1]
    test -n "$env_dir"; or set env_dir $VIRTUAL_ENV
    set -l dir $argv[2]
    test -n "$dir"; or set dir $PWD
    if test -z "$env_dir"
        echo "setvirtualenvproject: no environment given and none is active" >&2
        return 1
    end
    __den env project -- (string replace -r '.*/' '' -- (string replace -r '/$' '' -- $env_dir)) $dir
end

function virtualenvwrapper --description "Show den's version, the directories in use and every command"
    __den env functions
end

function cdproject --description "Change to the active environment's project directory"
    __den_require_active; or return 1
    set -l project (__den_project $VIRTUAL_ENV)
    if test -z "$project"
        echo "No project set in "(__den_project_file $VIRTUAL_ENV) >&2
        return 1
    end
    if not test -d "$project"
        echo "Project directory $project does not exist" >&2
        return 1
    end
    builtin cd $project
end

# Tab completion of environment names; fish quotes names with spaces itself.
function __den_env_names
    __den env complete 2>/dev/null
end

complete -c workon -c rmvirtualenv -c cpvirtualenv -c showvirtualenv -f -a '(__den_env_names)'
# den itself: names after `den workon` and `den env path|show|remove|copy`.
function __den_wants_env_name
    set -l words (commandline -opc)
    switch "$words[2]"
        case workon
            test (count $words) -eq 2
        case env
            test (count $words) -ge 3; and contains -- "$words[3]" path show remove copy
        case '*'
            return 1
    end
end
complete -c den -n __den_wants_env_name -f -a '(__den_env_names)'
# den's commands and options: clap_complete's completions (`den init fish --completions`),
# loaded when a den command line is first completed so that starting a shell does not pay
# for them; that first time, the loader answers with what they offer.
function __den_load_completions
    # Loaded once; from then on this offers nothing (`complete -e` would erase den's other
    # completions with it).
    function __den_load_completions
    end
    __den init fish --completions 2>/dev/null | source
    complete -C (commandline -cp)
end
complete -c den -a '(__den_load_completions)'
# Directories under BASE for the word being completed, relative to BASE.
function __den_dirs_in --argument-names base
    test -n "$base"; or return
    for dir in "$base/"(commandline -ct)*/
        string replace -- "$base/" "" $dir
    end
end
complete -c cdvirtualenv -f -a '(__den_dirs_in "$VIRTUAL_ENV")'
complete -c cdsitepackages -f -a '(__den_dirs_in (__den_site_packages 2>/dev/null))'

__den_source_global initialize
