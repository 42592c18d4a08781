# This environment is relocatable: it is wherever this script is. bash, zsh and ksh93 know the
# path of the file being sourced; other shells find it among their open files (Linux /proc).
_den_activate=
if [ -n "${BASH_VERSION-}" ]; then
    _den_activate=${BASH_SOURCE[0]}
elif [ -n "${ZSH_VERSION-}" ]; then
    _den_activate=${(%):-%x}
else
    case ${KSH_VERSION-} in
        *93*) eval '_den_activate=${.sh.file}' ;;
    esac
fi
if [ -z "$_den_activate" ] && [ -d "/proc/$$/fd" ]; then
    for _den_fd in /proc/$$/fd/*; do
        _den_target=$(readlink "$_den_fd" 2>/dev/null) || continue
        case $_den_target in
            */{{BIN_NAME}}/activate) _den_activate=$_den_target ;;
        esac
    done
fi
if [ -z "$_den_activate" ]; then
    echo "activate: this shell does not tell a sourced script its own path, so this relocatable environment cannot find itself; source it from bash, zsh or ksh" >&2
    unset _den_activate _den_fd _den_target
    return 1
fi
VIRTUAL_ENV=$(CDPATH= cd -- "$(dirname -- "$_den_activate")/.." >/dev/null && pwd)
unset _den_activate _den_fd _den_target
