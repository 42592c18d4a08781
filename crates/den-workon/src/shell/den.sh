# den shell integration for bash and zsh: virtualenvwrapper's commands (workon, mkvirtualenv,
# deactivate, ...) with den doing the work. This part is shared by bash and zsh and uses what
# both have beyond POSIX sh (local, arrays, typeset -f, process substitution), so it is not for
# sh or dash. Load it from your startup file:
#     eval "$(den init bash)"    or    eval "$(den init zsh)"
# den is found as `command den`, or set DEN_EXECUTABLE to the binary to use.
# Sourced hooks (postmkvirtualenv, postactivate, predeactivate, postdeactivate,
# postcpvirtualenv, postmkproject) run in this shell; den runs the others as processes.

# Runs the den binary, never this file's `den` function.
_den_run() {
    if [ -n "${DEN_EXECUTABLE-}" ]; then
        "$DEN_EXECUTABLE" "$@"
    else
        command den "$@"
    fi
}

# `den workon` and `den deactivate` change this shell, so they go to the shell functions.
den() {
    case ${1-} in
        workon)
            shift
            workon "$@"
            ;;
        deactivate)
            shift
            if typeset -f _den_venv_deactivate >/dev/null 2>&1; then
                deactivate "$@"
            else
                echo "den: no environment was activated with workon in this shell" >&2
                return 1
            fi
            ;;
        *) _den_run "$@" ;;
    esac
}

# Sources FILE when it exists.
_den_source() {
    if [ -f "$1" ]; then
        . "$1"
    fi
}

# Sources the global hook NAME from $VIRTUALENVWRAPPER_HOOK_DIR (default: WORKON_HOME, whose
# default is ~/.virtualenvs), resolved as den does: a leading `~` is $HOME, a relative path is
# taken from the current directory.
_den_source_global() {
    local _den_hook_dir=${VIRTUALENVWRAPPER_HOOK_DIR:-${WORKON_HOME:-$HOME/.virtualenvs}}
    case $_den_hook_dir in
        /*) ;;
        '~' | '~/'*) _den_hook_dir=$HOME${_den_hook_dir#'~'} ;;
        *) _den_hook_dir=$PWD/$_den_hook_dir ;;
    esac
    _den_source "$_den_hook_dir/$1"
}

# Sets _den_project to the project directory recorded in ENV_DIR's project file
# (VIRTUALENVWRAPPER_PROJECT_FILENAME, default .project); fails if none.
_den_read_project() {
    _den_project=
    set -- "$1/${VIRTUALENVWRAPPER_PROJECT_FILENAME:-.project}"
    [ -f "$1" ] || return 1
    { IFS= read -r _den_project || [ -n "$_den_project" ]; } <"$1"
    [ -n "$_den_project" ]
}

# Fails with virtualenvwrapper's message unless an environment is active.
_den_require_active() {
    if [ -z "${VIRTUAL_ENV-}" ] || [ ! -d "$VIRTUAL_ENV" ]; then
        echo "ERROR: no virtualenv active, or active virtualenv is missing" >&2
        return 1
    fi
}

# Sets _den_site_packages to the active environment's site-packages directory.
_den_find_site_packages() {
    _den_require_active || return 1
    _den_site_packages=$(_den_run env path --site-packages -- "${VIRTUAL_ENV##*/}") || return 1
}

# virtualenvwrapper's helper functions, for hooks, plugins and scripts that call them.

# Sets _den_home (a local of the caller) to the WORKON_HOME in use (its default when unset),
# without a subshell: workon runs it on every activation.
_den_workon_home() {
    _den_home=${WORKON_HOME:-$HOME/.virtualenvs}
}

virtualenvwrapper_cd() {
    _den_cd "$@"
}

# WORKON_HOME as virtualenvwrapper reads it: the default when unset, a path not starting with
# `/` or `~` taken from HOME, a leading `~` expanded.
virtualenvwrapper_derive_workon_home() {
    local _den_home=${WORKON_HOME:-$HOME/.virtualenvs}
    case $_den_home in
        '~' | '~/'*) _den_home=$HOME${_den_home#'~'} ;;
        /* | '~'*) ;;
        *) _den_home=$HOME/$_den_home ;;
    esac
    printf '%s\n' "$_den_home"
}

# PATH with $VARIABLES and a leading `~` expanded and normalized, as virtualenvwrapper's
# (Python's expandvars, expanduser, normpath). Fails when PATH is empty.
virtualenvwrapper_expandpath() {
    [ -n "${1-}" ] || return 1
    _den_run env expand-path "$1"
}

# Creates WORKON_HOME when missing, with a note on stderr unless -q.
virtualenvwrapper_verify_workon_home() {
    local _den_home
    _den_workon_home
    [ -d "$_den_home/" ] && return 0
    if [ "${1-}" != -q ]; then
        echo "NOTE: Virtual environments directory $_den_home does not exist. Creating..." >&2
    fi
    mkdir -p "$_den_home"
}

virtualenvwrapper_verify_project_home() {
    if [ -z "${PROJECT_HOME-}" ]; then
        echo "ERROR: Set the PROJECT_HOME shell variable to the name of the directory where projects should be created." >&2
        return 1
    fi
    if [ ! -d "$PROJECT_HOME" ]; then
        if [ "${1-}" != -q ]; then
            echo "ERROR: Project directory '$PROJECT_HOME' does not exist.  Create it or set PROJECT_HOME to an existing directory." >&2
        fi
        return 1
    fi
}

virtualenvwrapper_mktemp() {
    command mktemp "$@"
}

# Prints the name of a new temporary file (virtualenvwrapper-SUFFIX-...); fails with a message
# when none could be made.
virtualenvwrapper_tempfile() {
    local _den_file
    if ! _den_file=$(virtualenvwrapper_mktemp -t "virtualenvwrapper-${1:-hook}-XXXXXXXXXX") ||
        [ -z "$_den_file" ] || ! touch "$_den_file" 2>/dev/null || [ ! -f "$_den_file" ]; then
        echo "ERROR: virtualenvwrapper could not create a temporary file name." >&2
        return 1
    fi
    printf '%s\n' "$_den_file"
}

# Fails with virtualenvwrapper's message unless COMMAND is found.
virtualenvwrapper_verify_resource() {
    if ! command -v "${1-}" >/dev/null 2>&1; then
        echo "ERROR: virtualenvwrapper could not find ${1-} in your path" >&2
        return 1
    fi
}

# virtualenv's command line with den doing the work: `den venv DEST`, which takes virtualenv's
# usual options (-p/--python, --prompt, --clear, --system-site-packages, --copies, --no-pip,
# --no-setuptools, ...). Where virtualenvwrapper names `virtualenv` in
# VIRTUALENVWRAPPER_VIRTUALENV, den's integration names this function when the variable is
# unset or empty, so "$VIRTUALENVWRAPPER_VIRTUALENV" DEST makes an environment; a value of your
# own is kept.
_den_virtualenv() {
    _den_run venv "$@"
}
if [ -z "${VIRTUALENVWRAPPER_VIRTUALENV-}" ]; then
    VIRTUALENVWRAPPER_VIRTUALENV=_den_virtualenv
fi

# Whether mkvirtualenv makes environments with den itself: VIRTUALENVWRAPPER_VIRTUALENV is empty
# or den's own _den_virtualenv.
_den_makes_envs() {
    case ${VIRTUALENVWRAPPER_VIRTUALENV-} in
        '' | _den_virtualenv) return 0 ;;
        *) return 1 ;;
    esac
}

# Whether `den env create` knows every option of ARGS (mkvirtualenv's own and the creation
# options it shares with virtualenv); any other option is virtualenv's, for the creator.
_den_create_knows() {
    local _den_arg _den_value=0
    for _den_arg in "$@"; do
        if [ "$_den_value" = 1 ]; then
            _den_value=0
            continue
        fi
        case $_den_arg in
            --) return 0 ;;
            -a | -i | -r | -p | --python | --prompt | --requirement | --install) _den_value=1 ;;
            --python=* | --prompt=* | --requirement=* | --install=*) ;;
            --system-site-packages | --without-pip | --no-pip | -h | --help) ;;
            -*) return 1 ;;
        esac
    done
    return 0
}

# den makes and copies environments itself; VIRTUALENVWRAPPER_VIRTUALENV and
# VIRTUALENVWRAPPER_VIRTUALENV_CLONE, when set, name the programs to do it.
virtualenvwrapper_verify_virtualenv() {
    [ -z "${VIRTUALENVWRAPPER_VIRTUALENV-}" ] ||
        virtualenvwrapper_verify_resource "$VIRTUALENVWRAPPER_VIRTUALENV"
}

virtualenvwrapper_verify_virtualenv_clone() {
    [ -z "${VIRTUALENVWRAPPER_VIRTUALENV_CLONE-}" ] ||
        virtualenvwrapper_verify_resource "$VIRTUALENVWRAPPER_VIRTUALENV_CLONE"
}

virtualenvwrapper_verify_workon_environment() {
    local _den_home
    _den_workon_home
    if [ ! -d "$_den_home/${1-}" ]; then
        echo "ERROR: Environment '${1-}' does not exist. Create it with 'mkvirtualenv ${1-}'." >&2
        return 1
    fi
}

virtualenvwrapper_verify_active_environment() {
    _den_require_active
}

# The environments' names, one per line.
virtualenvwrapper_show_workon_options() {
    _den_run env list --brief
}

# The active environment's Python version as MAJOR.MINOR, from its pyvenv.cfg.
virtualenvwrapper_get_python_version() {
    local _den_key _den_value
    _den_require_active || return 1
    while IFS='= ' read -r _den_key _den_value; do
        case $_den_key in
            version | version_info)
                _den_value=${_den_value#*= }
                printf '%s\n' "$(echo "$_den_value" | cut -d. -f1-2)"
                return 0
                ;;
        esac
    done <"$VIRTUAL_ENV/pyvenv.cfg"
    return 1
}

virtualenvwrapper_get_site_packages_dir() {
    local _den_site_packages
    _den_find_site_packages || return 1
    printf '%s\n' "$_den_site_packages"
}

# Runs or sources the hooks of virtualenvwrapper's event EVENT (initialize, pre_mkvirtualenv,
# post_activate, get_env_details, ...), as virtualenvwrapper's own hook plugin does.
virtualenvwrapper_run_hook() {
    local _den_event=${1-}
    [ $# -gt 0 ] && shift
    case $_den_event in
        initialize) _den_source_global initialize ;;
        pre_mkvirtualenv) _den_run env hook premkvirtualenv '' "$@" ;;
        post_mkvirtualenv) _den_source_global postmkvirtualenv ;;
        pre_rmvirtualenv) _den_run env hook prermvirtualenv '' "$@" ;;
        post_rmvirtualenv) _den_run env hook postrmvirtualenv '' "$@" ;;
        pre_activate) _den_run env hook preactivate "$@" ;;
        post_activate)
            _den_source_global postactivate
            _den_source "${VIRTUAL_ENV-}/bin/postactivate"
            ;;
        pre_deactivate)
            _den_source "${VIRTUAL_ENV-}/bin/predeactivate"
            _den_source_global predeactivate
            ;;
        post_deactivate)
            _den_source "${VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV-}/bin/postdeactivate"
            _den_source_global postdeactivate
            ;;
        pre_cpvirtualenv) _den_run env hook precpvirtualenv '' "$@" ;;
        post_cpvirtualenv) _den_source_global postcpvirtualenv ;;
        pre_mkproject) _den_run env hook premkproject '' "$@" ;;
        post_mkproject) _den_source_global postmkproject ;;
        get_env_details) _den_run env hook get_env_details "$@" ;;
    esac
}

# den standing in for virtualenvwrapper.sh: when the integration is loaded by sourcing FILE
# named virtualenvwrapper.sh (a file that evaluates `den init`, put where virtualenvwrapper's
# script was so `source .../virtualenvwrapper.sh` lines keep working) and
# VIRTUALENVWRAPPER_SCRIPT is unset, it is set to FILE (made absolute) and exported, as
# virtualenvwrapper names its own script there. Loaded any other way there is no such script,
# and the variable stays unset.
_den_set_script() {
    [ -z "${VIRTUALENVWRAPPER_SCRIPT-}" ] || return 0
    case ${1-} in
        virtualenvwrapper.sh | */virtualenvwrapper.sh) ;;
        *) return 0 ;;
    esac
    case $1 in
        /*) export VIRTUALENVWRAPPER_SCRIPT=$1 ;;
        *) export VIRTUALENVWRAPPER_SCRIPT=$PWD/$1 ;;
    esac
}

# What loading the integration does, as virtualenvwrapper's startup: WORKON_HOME and the hook
# directory exist, the global hook files are there to edit, and the initialize hook is sourced.
virtualenvwrapper_initialize() {
    virtualenvwrapper_verify_workon_home -q || return 1
    _den_run env init-hooks || return 1
    virtualenvwrapper_run_hook initialize
    return 0
}

_den_workon_help() {
    cat <<'EOF'
Usage: workon [-c|--cd] [-n|--no-cd] [env_name]

  workon env_name   Leave the active environment (running its deactivate hooks), then
                    activate env_name, running the preactivate and postactivate hooks.
  workon .          Activate the environment named like the current directory.
  workon            List the environments (like lsvirtualenv -b).
  -c, --cd          Change to the environment's project directory after activating.
  -n, --no-cd       Stay in the current directory.
                    The default comes from VIRTUALENVWRAPPER_WORKON_CD (1: change directory).
  -h, --help        Show this help.
EOF
}

workon() {
    local _den_cd_after=${VIRTUALENVWRAPPER_WORKON_CD:-1} _den_name= _den_arg _den_env _den_def
    local _den_project= _den_options=1 _den_home
    virtualenvwrapper_verify_workon_home || return 1
    for _den_arg in "$@"; do
        if [ "$_den_options" = 1 ]; then
            case $_den_arg in
                -h|--help)
                    _den_workon_help
                    return 0
                    ;;
                -c|--cd) _den_cd_after=1; continue ;;
                -n|--no-cd) _den_cd_after=0; continue ;;
                --) _den_options=0; continue ;;
            esac
        fi
        [ -n "$_den_name" ] || _den_name=$_den_arg
    done
    if [ -z "$_den_name" ]; then
        _den_run env list --brief
        return 1
    fi
    if [ "$_den_name" = . ]; then
        _den_name=${PWD##*/}
    fi
    virtualenvwrapper_verify_workon_environment "$_den_name" || return 1
    # The path as virtualenvwrapper forms it; `den env hook` below checks the name.
    _den_workon_home
    _den_env=$_den_home/$_den_name
    if [ ! -f "$_den_env/bin/activate" ]; then
        echo "ERROR: Environment '$_den_env' does not contain an activate script." >&2
        return 1
    fi
    # Leave the environment activated by workon, with its hooks, before entering the new one.
    if typeset -f _den_venv_deactivate >/dev/null 2>&1; then
        deactivate
    fi
    _den_run env hook preactivate -- "$_den_name" || return
    . "$_den_env/bin/activate" || return
    # Keep the activation script's deactivate under another name and put ours, which runs
    # the hooks around it, in its place.
    if _den_def=$(typeset -f deactivate); then
        eval "_den_venv_deactivate${_den_def#deactivate}"
        deactivate() {
            _den_deactivate "$@"
        }
    fi
    if _den_read_project "$VIRTUAL_ENV"; then
        if [ "$_den_cd_after" = 1 ]; then
            _den_cd "$_den_project"
        fi
        _den_source "$_den_project/.virtualenvwrapper/postactivate"
    fi
    _den_source_global postactivate
    _den_source "$VIRTUAL_ENV/bin/postactivate"
    return 0
}

# The body of `deactivate` while an environment activated by workon is active.
_den_deactivate() {
    local _den_old=${VIRTUAL_ENV-} _den_project=
    if _den_read_project "$_den_old"; then
        _den_source "$_den_project/.virtualenvwrapper/predeactivate"
    fi
    _den_source "$_den_old/bin/predeactivate"
    _den_source_global predeactivate
    _den_venv_deactivate nondestructive
    if [ "${1-}" != nondestructive ]; then
        unset -f deactivate _den_venv_deactivate
    fi
    VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV=$_den_old
    _den_source "$_den_old/bin/postdeactivate"
    _den_source_global postdeactivate
    unset VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV
    if [ -f "$_den_old/.den-tmp-env" ]; then
        # Leave the environment before it goes (to WORKON_HOME, as rmvirtualenv does), so
        # this shell does not stay in a deleted directory.
        case $PWD/ in
            "$_den_old"/*) _den_cd "${_den_old%/*}" ;;
        esac
        echo "Removing temporary environment: ${_den_old##*/}"
        _den_run env remove -- "${_den_old##*/}"
    fi
}

_den_mkvirtualenv_help() {
    cat <<'EOF'
Usage: mkvirtualenv [-a project_path] [-i package] [-r requirements_file]
                    [-p python_interpreter | --python=python_interpreter] [den env create options]
                    env_name

Create env_name in WORKON_HOME, activate it, then source the postmkvirtualenv hook. An
existing env_name is updated in place, keeping its packages (as virtualenv does).
  -a project_path   Associate the environment with this project directory.
  -i package        Install a package into the new environment (repeatable).
  -r file           Install the requirements listed in file (repeatable).
  -p python         The interpreter to base the environment on (a version or a path).
Other options go to `den env create` (see `den env create --help`).
EOF
}

# Sets _den_name to the environment name among mkvirtualenv ARGS (the last word that is
# neither an option nor an option's value; every word after `--` is a name) and _den_help to 1
# when -h or --help comes before any `--`.
_den_name_in_args() {
    local _den_arg _den_value=0 _den_options=1
    _den_name=
    _den_help=0
    for _den_arg in "$@"; do
        if [ "$_den_options" = 0 ]; then
            _den_name=$_den_arg
        elif [ "$_den_value" = 1 ]; then
            _den_value=0
        else
            case $_den_arg in
                -h|--help) _den_help=1 ;;
                --) _den_options=0 ;;
                -a|-i|-r|-p|--python|--prompt|--requirement|--install) _den_value=1 ;;
                -*) ;;
                *) _den_name=$_den_arg ;;
            esac
        fi
    done
}

# den makes the environment (an existing one is updated in place, as virtualenv reuses it). With
# VIRTUALENVWRAPPER_VIRTUALENV naming another program than den's _den_virtualenv, or options
# only virtualenv knows (--copies, --clear, --no-download...; den's _den_virtualenv, which is
# `den venv`, takes them), the creator makes it, run from WORKON_HOME with
# VIRTUALENVWRAPPER_VIRTUALENV_ARGS and every argument but -a, -i and -r (-p/--python given as
# --python=PYTHON); den then does the rest. A creator that exits 0 without making the
# environment ends mkvirtualenv there, successfully.
mkvirtualenv() {
    local _den_name _den_help _den_arg _den_value= _den_options=1 _den_home
    local -a _den_words _den_out _den_keep
    _den_name_in_args "$@"
    if [ "$_den_help" = 1 ]; then
        _den_mkvirtualenv_help
        return 0
    fi
    _den_split "${VIRTUALENVWRAPPER_VIRTUALENV_ARGS-}"
    if _den_makes_envs && _den_create_knows "${_den_words[@]}" "$@"; then
        _den_run env create --reuse "${_den_words[@]}" "$@" || return
    else
        local _den_creator=${VIRTUALENVWRAPPER_VIRTUALENV:-_den_virtualenv}
        virtualenvwrapper_verify_workon_home || return 1
        virtualenvwrapper_verify_virtualenv || return 1
        for _den_arg in "$@"; do
            if [ -n "$_den_value" ]; then
                case $_den_value in
                    -p | --python) _den_out+=("--python=$_den_arg") ;;
                    *) _den_keep+=("$_den_value" "$_den_arg") ;;
                esac
                _den_value=
                continue
            fi
            if [ "$_den_options" = 1 ]; then
                case $_den_arg in
                    --) _den_options=0 ;;
                    -a | -i | -r | -p | --python)
                        _den_value=$_den_arg
                        continue
                        ;;
                esac
            fi
            _den_out+=("$_den_arg")
        done
        _den_workon_home
        (
            _den_cd "$_den_home" &&
                "$_den_creator" "${_den_words[@]}" "${_den_out[@]}"
        ) || return
        [ -d "$_den_home/$_den_name" ] || return 0
        _den_run env create --adopt "${_den_keep[@]}" -- "$_den_name" || return
    fi
    workon -- "$_den_name" || return
    _den_source_global postmkvirtualenv
}

rmvirtualenv() {
    local _den_status _den_home
    virtualenvwrapper_verify_workon_home || return 1
    _den_workon_home
    if [ $# -eq 0 ]; then
        echo "Please specify an environment." >&2
        return 1
    fi
    # One at a time, as virtualenvwrapper: a name with no environment is said and its hooks
    # still run, without failing the others.
    for _den_status in "$@"; do
        if [ -d "$_den_home/$_den_status" ]; then
            _den_run env remove -- "$_den_status" || return $?
        else
            echo "Removing $_den_status..."
            echo "Did not find environment $_den_home/$_den_status to remove." >&2
            _den_run env hook prermvirtualenv '' "$_den_status"
            _den_run env hook postrmvirtualenv '' "$_den_status"
        fi
    done
    # The current directory may have been inside a removed environment.
    if [ ! -d "$PWD" ]; then
        _den_cd "${WORKON_HOME:-$HOME/.virtualenvs}"
    fi
    return 0
}

_den_lsvirtualenv_usage() {
    echo "lsvirtualenv [-blh]"
    echo "  -b  brief: names only"
    echo "  -l  long: names with the details of get_env_details hooks (the default)"
    echo "  -h  this help"
}

lsvirtualenv() {
    local _den_mode=--long _den_opt OPTIND=1
    virtualenvwrapper_verify_workon_home || return 1
    while getopts ":blh" _den_opt "$@"; do
        case $_den_opt in
            b) _den_mode=--brief ;;
            l) _den_mode=--long ;;
            h)
                _den_lsvirtualenv_usage
                return 1
                ;;
            *)
                echo "Invalid option: -$OPTARG" >&2
                _den_lsvirtualenv_usage
                return 1
                ;;
        esac
    done
    _den_run env list "$_den_mode"
}

showvirtualenv() {
    _den_run env show --hooks-only -- "$@"
}

# SOURCE is a name in WORKON_HOME or the path of an environment elsewhere; TARGET defaults to
# SOURCE's directory name. With VIRTUALENVWRAPPER_VIRTUALENV_CLONE set, that program copies
# (run from WORKON_HOME with the source and target paths) and den runs the hooks.
cpvirtualenv() {
    local _den_src=${1-} _den_target=${2-} _den_home _den_path
    virtualenvwrapper_verify_workon_home || return 1
    virtualenvwrapper_verify_virtualenv_clone || return 1
    _den_workon_home
    if [ -n "$_den_src" ] && [ -e "$_den_home/$_den_src" ]; then
        _den_path=$_den_home/$_den_src
    else
        _den_path=$(virtualenvwrapper_expandpath "$_den_src")
        if [ -z "$_den_src" ] || [ ! -e "$_den_path" ]; then
            echo "Please provide a valid virtualenv to copy."
            return 1
        fi
        _den_src=${_den_path%/}
        _den_src=${_den_src##*/}
    fi
    _den_target=${_den_target:-$_den_src}
    if [ -e "$_den_home/$_den_target" ]; then
        echo "$_den_target virtualenv already exists."
        return 1
    fi
    echo "Copying $_den_src as $_den_target..."
    if [ -n "${VIRTUALENVWRAPPER_VIRTUALENV_CLONE-}" ]; then
        (
            _den_cd "$_den_home" &&
                "$VIRTUALENVWRAPPER_VIRTUALENV_CLONE" "$_den_path" "$_den_home/$_den_target" &&
                [ -d "$_den_target" ] &&
                _den_run env hook precpvirtualenv '' "$_den_path" "$_den_target" &&
                _den_run env hook premkvirtualenv '' "$_den_target"
        ) || return
    else
        _den_run env copy -- "$_den_path" "$_den_target" || return
    fi
    workon -- "$_den_target" || return
    _den_source_global postmkvirtualenv
    _den_source_global postcpvirtualenv
}

cdvirtualenv() {
    virtualenvwrapper_verify_workon_home || return 1
    _den_require_active || return 1
    _den_cd "$VIRTUAL_ENV/${1-}"
}

cdsitepackages() {
    local _den_site_packages
    virtualenvwrapper_verify_workon_home || return 1
    _den_find_site_packages || return 1
    _den_cd "$_den_site_packages/${1-}"
}

lssitepackages() {
    local _den_site_packages
    virtualenvwrapper_verify_workon_home || return 1
    _den_find_site_packages || return 1
    ls "$@" "$_den_site_packages"
    if [ -f "$_den_site_packages/_virtualenv_path_extensions.pth" ]; then
        echo
        echo "_virtualenv_path_extensions.pth:"
        cat "$_den_site_packages/_virtualenv_path_extensions.pth"
    fi
}

mktmpenv() {
    local _den_cd_after=${VIRTUALENVWRAPPER_WORKON_CD:-1} _den_arg _den_name
    local -a _den_args
    for _den_arg in "$@"; do
        case $_den_arg in
            -c|--cd) _den_cd_after=1 ;;
            -n|--no-cd) _den_cd_after=0 ;;
            *) _den_args+=("$_den_arg") ;;
        esac
    done
    _den_name=$(_den_run env tmp "${_den_args[@]}") || return
    workon -- "$_den_name" || return
    _den_source_global postmkvirtualenv
    if [ "$_den_cd_after" = 1 ]; then
        cdvirtualenv
    fi
    echo "This is a temporary environment. It will be deleted when you run 'deactivate'."
}

wipeenv() {
    _den_require_active || return 1
    _den_run env wipe
}

# Runs COMMAND... in every environment (activated without hooks, from its directory),
# each in a subshell, after the environment's name underlined.
allvirtualenv() {
    local _den_name _den_env
    while IFS= read -r _den_name <&3; do
        _den_env=$(_den_run env path -- "$_den_name") || continue
        printf '%s\n%s\n' "$_den_name" "${_den_name//?/=}"
        (
            if typeset -f _den_venv_deactivate >/dev/null 2>&1; then
                _den_venv_deactivate nondestructive
            fi
            unset -f deactivate _den_venv_deactivate 2>/dev/null
            . "$_den_env/bin/activate" && _den_cd "$VIRTUAL_ENV" && "$@"
        )
        echo
    done 3< <(_den_run env list --brief)
}

add2virtualenv() {
    _den_run env add-path "$@"
}

toggleglobalsitepackages() {
    if [ "${1-}" = -q ]; then
        shift
        _den_run env toggle-global-site-packages "$@" >/dev/null
    else
        _den_run env toggle-global-site-packages "$@"
    fi
}

# mkproject's help, then the project templates of PYTHON ($1), when there is one.
_den_mkproject_help() {
    cat <<'EOF'
Usage: mkproject [-f|--force] [-t template] [mkvirtualenv options] project_name

Create PROJECT_HOME/project_name and an environment of the same name bound to it, activate
it and change to the project directory.
  -f, --force   Use the project directory even if it already exists.
  -t template   Apply a project template (virtualenvwrapper's plugins) to the new project;
                repeat to apply several, in order.

Available project templates:

EOF
    [ -z "$1" ] || _den_run env template --python "$1"
}

# The interpreter whose project templates mkproject uses: VIRTUALENVWRAPPER_PYTHON, else the
# python3 (or python) on PATH.
_den_template_python() {
    if [ -n "${VIRTUALENVWRAPPER_PYTHON-}" ]; then
        echo "$VIRTUALENVWRAPPER_PYTHON"
    else
        command -v python3 || command -v python
    fi
}

# virtualenvwrapper's order: mkvirtualenv (premkvirtualenv, creation, activation with its
# hooks, postmkvirtualenv), then premkproject, the project directory, cd, postmkproject. The
# project is checked first, so a refused one leaves no environment behind.
mkproject() {
    local _den_arg _den_force= _den_options=1 _den_name _den_help _den_project= _den_template=
    local _den_python _den_status=0
    local -a _den_args _den_templates
    for _den_arg in "$@"; do
        if [ "$_den_template" = 1 ]; then
            _den_templates+=("$_den_arg")
            _den_template=
            continue
        fi
        if [ "$_den_options" = 1 ]; then
            case $_den_arg in
                --) _den_options=0 ;;
                -f|--force)
                    _den_force=--force
                    continue
                    ;;
                -t)
                    _den_template=1
                    continue
                    ;;
            esac
        fi
        _den_args+=("$_den_arg")
    done
    _den_name_in_args "${_den_args[@]}"
    # Found before the new environment is activated: its python has no templates.
    _den_python=$(_den_template_python)
    if [ "$_den_help" = 1 ]; then
        _den_mkproject_help "$_den_python"
        return 0
    fi
    _den_run env mkproject-dir --check $_den_force -- "$_den_name" || return
    mkvirtualenv "${_den_args[@]}" || return
    _den_run env mkproject-dir $_den_force -- "$_den_name" || return
    if _den_read_project "$VIRTUAL_ENV"; then
        _den_cd "$_den_project"
        for _den_arg in "${_den_templates[@]}"; do
            echo
            echo "Applying template $_den_arg"
            _den_run env template --python "$_den_python" -- "$_den_arg" "$_den_name" \
                "$_den_project" || _den_status=1
        done
    fi
    _den_source_global postmkproject
    return $_den_status
}

setvirtualenvproject() {
    local _den_env=${1:-${VIRTUAL_ENV-}} _den_dir=${2:-$PWD}
    if [ -z "$_den_env" ]; then
        echo "setvirtualenvproject: no environment given and none is active" >&2
        return 1
    fi
    _den_env=${_den_env%/}
    _den_run env project -- "${_den_env##*/}" "$_den_dir"
}

# What the integration is, den's version, the directories in use and every command.
virtualenvwrapper() {
    _den_run env functions
}

cdproject() {
    local _den_project=
    _den_require_active || return 1
    if ! _den_read_project "$VIRTUAL_ENV"; then
        echo "No project set in $VIRTUAL_ENV/${VIRTUALENVWRAPPER_PROJECT_FILENAME:-.project}" >&2
        return 1
    fi
    if [ ! -d "$_den_project" ]; then
        echo "Project directory $_den_project does not exist" >&2
        return 1
    fi
    _den_cd "$_den_project"
}
